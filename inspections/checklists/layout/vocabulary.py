"""The words of published sheets: header names per column role, key-item markers, totals, legends, signatures."""

from __future__ import annotations

import re

from inspections.checklists.spec import (
    VETO_CONSEQUENCE,
)

HEADER_SCAN_ROWS = 20


MAX_ITEM_ROWS = 3000


# role → the header names that mean it. The first name is how the role is called in messages and in --columns.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "section": (
        "检查项目",
        "项目",
        "评审项目",
        "考核项目",
        "类别",
        "一级指标",
        "项目名称",
        "检查类别",
        "评价项目",
        "督查项目",
        "督导项目",
        "检查环节",
        "环节",
        "部分",
        "组成部分",
    ),
    "text": (
        "检查内容",
        "内容",
        "监督检查内容",
        "评审要求",
        "考核内容",
        "检查标准",
        "二级指标",
        "评价要点",
        "检查要点",
        "考核要点",
        "具体内容",
        "检查要求",
        "评价内容",
        "督查内容",
        "督导内容",
        "评价指标",
        "问题",
        "条目",
        "要求",
        "基本要求",
        "标准要求",
        "评审标准",
        "评价标准",
    ),
    "method": ("检查方法", "方法", "考核方法", "查证方法", "检查方式", "评价方式", "考核方式", "督查方法"),
    "criteria": (
        "评分标准",
        "标准",
        "评分细则",
        "扣分标准",
        "计分方法",
        "评分方法",
        "扣分细则",
        "评分办法",
        "扣分办法",
        "评分说明",
        "计分标准",
        "评分要求",
    ),
    "points": ("分值", "标准分", "应得分", "计分", "分数", "满分", "标准分值", "赋分", "权重分"),
    "code": ("编号", "序号", "条款", "条款号", "代码"),
    "critical": ("否决项", "是否否决项", "关键项", "核心条款", "否决"),
    "remedy": ("整改要求", "整改建议", "整改措施"),
}


# 评价方法: method or criteria, decided by the column's content.
AMBIGUOUS_NAMES: dict[str, tuple[str, ...]] = {"评价方法": ("method", "criteria")}


IGNORED_NAMES = (
    "得分",
    "扣分",
    "扣分原因",
    "扣分理由",
    "合计",
    "备注",
    "实得分",
    "检查结果",
    "存在问题",
    "扣分说明",
    "自评得分",
    "自查得分",
    "评分",
    "检查情况",
    "检查记录",
    "结果",
    "小计",
    "得分率",
    "问题描述",
    "评价结果",
    "是否符合",
    "符合",
    "不符合",
    "部分符合",
    "不适用",
    "查证记录",
    "扣分情况",
    "得分情况",
    "勾选",
    "打√",
    "检查得分",
    "考核得分",
    "实际得分",
    "是",
    "否",
    "评价",
    "记录",
    "说明",
)


ROLE_LABELS = {role: names[0] for role, names in HEADER_NAMES.items()}


# A key item's consequence when the legend does not say: with one kind in the sheet, failing it fails the checklist;
# with two, ☆ / △ mark the lesser kind, reported as 重点监督 (the usual second outcome on commission sheets).
KEY_DEFAULTS = {
    "★": VETO_CONSEQUENCE,
    "▲": VETO_CONSEQUENCE,
    "◆": VETO_CONSEQUENCE,
    "*": VETO_CONSEQUENCE,
    "否决": VETO_CONSEQUENCE,
    "☆": "重点监督",
    "△": "重点监督",
}


_KEY_SYMBOLS = "★☆▲△◆*＊"


_KEY_WORDS = re.compile(r"[（(【\[]?\s*(?:一票否决项?|否决项|否决)\s*[)）】\]]?")


_CONSEQUENCE_WORDS = ("一票否决", "否决", "不合格", "重点监督", "限期整改", "通报批评", "约谈", "黄牌警告", "降级")


_TOTAL_WORDS = ("合计", "总计", "总分", "小计", "得分合计", "实得分", "最后得分", "总得分")


_LEGEND_PREFIXES = (
    "说明",
    "注：",
    "注:",
    "注 ",
    "备注",
    "评分说明",
    "填表说明",
    "附注",
    "评分原则",
    "计分说明",
    "注意",
)


_SIGNATURE_WORDS = (
    "检查人",
    "检查者",
    "督导人员",
    "督导专家",
    "检查专家",
    "考核人",
    "评审人",
    "签名",
    "签字",
    "检查日期",
    "考核日期",
    "日期：",
    "日期:",
    "被检查单位",
    "被检查科室",
    "单位负责人",
    "陪同人员",
    "受检单位",
    "单位名称",
    "医院名称",
    "检查组",
    "联系电话",
)


_SECTION_POINTS = re.compile(r"\s*[（(]\s*(?:共|计|满分)?\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")


_SECTION_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+(?:部分|章|节)|[（(][一二三四五六七八九十]+[)）]|[A-Z][.、]|核心部分\s*\d+)"
)


_SPACES = re.compile(r"\s+")


_TRAILING_BRACKET = re.compile(r"[（(][^（()）]*[)）]$")


_CRITICAL_YES = {"是", "√", "✓", "✔", "☑", "否决", "否决项", "一票否决", "y", "yes", "true", "1"}


_CRITICAL_NO = {"", "否", "×", "✗", "x", "n", "no", "false", "0", "-", "—", "/", "无"}


_CRITERIA_LIKE = re.compile(r"扣|不得分|得\s*\d|\d\s*分|是\s*\d|否\s*\d|全扣|计分")


_METHOD_LIKE = re.compile(r"查看|查阅|询问|现场|抽查|访谈|提问|操作|核查|检查资料|考核")


# Wordings seen in commission sheets for the five methods of the checklist format.
METHOD_ALIASES = {
    "查看现场": "现场查看",
    "现场检查": "现场查看",
    "实地查看": "现场查看",
    "查看": "现场查看",
    "查看资料": "查阅资料",
    "资料查阅": "查阅资料",
    "查资料": "查阅资料",
    "查阅记录": "查阅资料",
    "查阅": "查阅资料",
    "查阅文件": "查阅资料",
    "现场询问": "询问",
    "提问": "询问",
    "访谈": "询问",
    "现场操作": "实操",
    "实际操作": "实操",
    "操作": "实操",
    "现场抽查": "抽查",
    "随机抽查": "抽查",
    "观察": "现场查看",
    "现场观察": "现场查看",
    "问询": "询问",
    "核查": "查阅资料",
    "查记录": "查阅资料",
}


_QUESTION = re.compile(r"(?:可多选|多选|以下|下列)[)）]?\s*[：:]?\s*$|[：:]\s*$")


_QUESTION_END = re.compile(r"\s*[（(]?\s*(?:可多选|多选)\s*[)）]?\s*[：:]?\s*$|\s*[：:]\s*$")
