"""The demo's vocabulary (districts, people, notes) and small helpers: seeded ids, months, item difficulty."""

from __future__ import annotations

import random
import uuid
from datetime import date

DISTRICTS = ["中原区", "二七区", "金水区", "管城区", "惠济区", "上街区", "高新区", "经开区"]
STREETS = [
    "建设路",
    "桐柏路",
    "林山寨",
    "绿东村",
    "淮河路",
    "航海路",
    "济源路",
    "峡窝",
    "工人路",
    "汝河路",
    "嵩山路",
    "秦岭路",
    "五龙口",
    "陇海路",
    "大学路",
    "南阳路",
    "丰产路",
    "文化路",
    "花园路",
    "东风路",
]
TOWNS = ["峡窝镇", "古荥镇", "侯寨乡", "马寨镇", "须水镇", "石佛镇", "沟赵乡", "圃田乡", "祥云镇", "柳林镇"]
INSPECTORS = ["张伟", "李娜", "王磊", "刘洋", "陈静", "杨帆", "赵敏", "黄强", "周丽", "吴刚", "郑红", "孙涛"]
REPS = ["院感科 王主任", "院感科 李科长", "医务科 张科长", "院感专职 刘老师", "副院长 陈院长"]
DEPTS = ["院感科", "门诊部", "急诊科", "发热门诊", "护理部", "后勤保障科", "检验科", "医务科"]
FAIL_NOTES = [
    "现场查看发现{t}，不符合要求",
    "抽查发现{t}，落实不到位",
    "查阅资料：{t}，记录不全",
    "询问工作人员，{t}，知晓率低",
]
MEASURES = ["已组织专项整改并复核", "已修订制度并全员培训", "已更换设施并张贴标识", "已调整流程并安排专人督查"]
NOT_DONE_REASONS = ["机构装修停诊", "迎接上级检查改期", "机构负责人外出，改至下月", "疫情防控任务冲突"]


def difficulty(item_code: str) -> float:
    """How much more (or less) often than average an item fails: fixed per item code, mean about 1."""
    return random.Random(f"difficulty:{item_code}").lognormvariate(-0.4, 0.9)


def uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def first_phrase(text: str, limit: int = 18) -> str:
    """The start of an item's text for a demo 问题描述, cut at a punctuation mark (a clause end first, else a 、)
    outside brackets, never in the middle of a word; a short text whole, a long one without a mark after ``limit``."""
    text = text.rstrip("，。；、：")
    for marks in ("，。；：", "、"):
        balanced = [i for i, ch in enumerate(text) if text.count("（", 0, i) == text.count("）", 0, i)]
        cuts = [i for i in balanced if text[i] in marks and i >= 4]
        within = [i for i in cuts if i <= limit]
        if within:
            return text[: within[-1]]
        if cuts and cuts[0] <= 2 * limit:
            return text[: cuts[0]]
    if len(text) <= 2 * limit:
        return text
    bracket = text.find("（")
    return text[:bracket] if 4 <= bracket <= 2 * limit else text[:limit]
