"""Writes checklist sheets laid out as commissions and hospitals publish them, under tests/corpus/sheets/.

The sheets are written for this project in the published styles (see ../shared/domain/REAL-SHEETS.md); they are not
copies of any one sheet. tests/inspections/test_sheet_corpus.py imports each unchanged and compares it with the
numbers the sheet itself states. Run ``.venv/bin/python tests/corpus/make_sheet_corpus.py`` after changing it; the
files are committed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
from docx.shared import Pt

HERE = Path(__file__).resolve().parent / "sheets"

Row = Sequence[object]


def _xlsx(path: Path, rows: Sequence[Row], merges: Sequence[str] = (), sheet: str = "Sheet1") -> None:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for merge in merges:
        ws.merge_cells(merge)
    workbook.properties.creator = "yg-tests"
    workbook.properties.created = workbook.properties.modified = datetime(2026, 11, 29)
    workbook.save(path)


def _merge_down(rows: list[list[object]], first_row: int, column: str, groups: Sequence[int]) -> list[str]:
    """Merge ranges for a section column: ``groups`` are the numbers of rows of each section, from ``first_row``."""
    merges = []
    row = first_row
    for count in groups:
        if count > 1:
            merges.append(f"{column}{row}:{column}{row + count - 1}")
        row += count
    return merges


# --- A. 二级及以上医院传染病防治监督检查评价表 (a commission's sheet: sections merged down with their points) -------


def communicable_disease() -> None:
    rows: list[list[object]] = [
        ["附件1"],
        ["二级及以上医院传染病防治监督检查评价表"],
        ["单位名称：____________________  医院等级：三级□ 二级□"],
        ["总分：________  综合评价结果：优秀□ 合格□ 重点监督□"],
        ["项目", "监督检查内容", "分值", "评分标准", "得分", "扣分原因"],
        ["预检分诊(10分)", "1.设置预检分诊点，标识清楚", 2, "是2;标识不清1;否0"],
        [None, "2.分诊人员询问流行病学史并登记", 4, "抽查5例，每缺1例扣1分，扣完为止"],
        [None, "★3.发现传染病病人未按规定转诊", "★", None],
        [None, "4.分诊点配备：(1)体温计 (2)速干手消毒剂 (3)医用外科口罩 (4)登记本", 4, "一项不符合扣1分"],
        ["疫情报告(15分)", "1.建立传染病疫情报告制度，明确责任部门", 3, "是3;否0"],
        [None, "2.传染病报告卡填写完整、报告及时", 6, "每发现一处错报、漏报扣2分，扣完为止"],
        [None, "☆3.近一年内无迟报、漏报", 6, "有一处迟报扣1.5分"],
        ["消毒隔离(15分)", "1.医疗器械消毒灭菌符合要求", 5, "不符合全扣"],
        [None, "2.开展消毒效果监测", 5, "未开展不得分"],
        [
            None,
            "3.隔离措施落实：(1)标识明确 (2)单间隔离 (3)防护用品充足 (4)专人诊疗 (5)终末消毒",
            5,
            "一项不符合扣1分，其中(5)如无终末消毒记录扣3分",
        ],
        ["合计", None, 40],
        ["说明：1.★为否决项，不符合的判定为不合格；2.☆为重点监督项，不符合的列为重点监督单位。"],
        ["检查人：__________  检查日期：____年__月__日"],
    ]
    merges = ["A2:F2", "A3:F3", "A4:F4", "A17:F17", *_merge_down(rows, 6, "A", [4, 3, 3]), "E6:E9"]
    _xlsx(HERE / "二级及以上医院传染病防治监督检查评价表.xlsx", rows, merges)


# --- B. 医院卫生检查评分细则 (a hospital's sheet: two header rows, section title rows, no method column) -------------


def hospital_hygiene() -> None:
    rows: list[list[object]] = [
        ["XX区人民医院卫生检查评分细则"],
        ["被检查科室：__________        检查日期：__________"],
        ["序号", "检查内容", "评分细则", "评分", None, "备注"],
        [None, None, None, "标准分", "得分", None],
        ["一、病区环境卫生（20分）"],
        [1, "病区环境整洁，无卫生死角", "每发现一处不合格扣1分，扣完为止", 5],
        [2, "物体表面清洁消毒记录完整", "缺一次记录扣0.5分", 5],
        [3, "治疗室、换药室布局合理，清洁区、污染区分区明确", "不符合要求不得分", 5],
        [4, "医疗废物分类收集，标识清楚", "每发现一处扣1分", 5],
        ["二、手卫生（15分）"],
        [5, "洗手设施齐全：(1)非手触式水龙头 (2)洗手液 (3)干手纸巾", "一项不符合扣1分", 3],
        [6, "医务人员手卫生依从性", "抽查3人，每发现1人不规范扣2分，扣完为止", 6],
        [7, "手卫生知识知晓", "是6;部分知晓3;否0", 6],
        ["三、无菌操作（15分）"],
        [8, "无菌物品专柜存放，按有效期先后使用", "每发现一件过期扣2分，扣完为止", 5],
        [9, "无菌操作规范，戴口罩帽子", "不符合不得分", 5],
        [10, "一次性无菌物品一人一用", "发现重复使用全扣", 5],
        ["合计", None, None, 50],
        ["检查人签名：", None, None, "被检查科室负责人签名："],
    ]
    merges = ["A1:F1", "A2:F2", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "A5:F5", "A10:F10", "A14:F14"]
    _xlsx(HERE / "医院卫生检查评分细则.xlsx", rows, merges, sheet="评分细则")


# --- C. 发热门诊检查评分标准 (a province's sheet: 一票否决 in the points column, sub-items with an exception) -------


def fever_clinic() -> None:
    rows: list[list[object]] = [
        ["XX省发热门诊检查评分标准"],
        ["考核项目", "考核内容", "考核方法", "评分标准", "标准分", "得分", "扣分理由"],
        [
            "布局流程（30分）",
            "发热门诊独立设置，与普通门（急）诊有效隔离，设独立出入口",
            "现场查看",
            "未独立设置不得分",
            "一票否决",
        ],
        [
            None,
            "“三区两通道”设置：(1)清洁区 (2)潜在污染区 (3)污染区 (4)医务人员通道 (5)患者通道 (6)缓冲间 (7)标识清晰",
            "现场查看",
            "一项不符合扣2分，其中(5)如无独立患者通道扣4分",
            15,
        ],
        [None, "挂号、收费、检验、影像、药房在发热门诊内闭环完成", "现场查看", "每缺一项扣3分，扣完为止", 15],
        [
            "人员管理（20分）",
            "医务人员正确穿脱防护用品",
            "现场查看5名医务人员穿脱防护用品",
            "每发现1人不规范扣2分，扣完为止",
            10,
        ],
        [None, "医务人员健康监测记录完整", "查阅资料", "是5;不完整2;否0", 5],
        [None, "医务人员经感控知识培训并考核合格", "查阅资料、询问", "未培训不得分", 5],
        ["诊疗管理（20分）", "首诊负责，询问并记录流行病学史", "查阅病历", "抽查5份病历，每缺1份扣1分", 5],
        [None, "发热患者按规定开展病原学检测", "查阅资料", "是5;否0", 5],
        [None, "留观室患者管理规范（否决）", "现场查看", "不符合本项不得分", 10],
        ["合计", None, None, None, 70],
        ["说明：标注“一票否决”或“否决”的项目不符合时，发热门诊评定为不合格。"],
    ]
    merges = ["A1:G1", "A13:G13", *_merge_down(rows, 3, "A", [3, 3, 3]), "F3:F5"]
    _xlsx(HERE / "发热门诊检查评分标准.xlsx", rows, merges)


# --- D. IPCAF-style tick-all questionnaire (components as title rows, questions with options that add points) ---------


def ipcaf_style() -> None:
    rows: list[list[object]] = [
        ["医疗机构感染预防与控制评估问卷（IPCAF式）"],
        ["序号", "评价要点", "分值", "勾选（√）"],
        ["核心部分1：感染预防与控制项目（共30分）"],
        ["1.1", "感控团队成员包括（可多选）："],
        ["1.1.1", "□专职感控医生", 5],
        ["1.1.2", "□专职感控护士", 5],
        ["1.1.3", "□微生物检验人员", 5],
        ["1.2", "感控项目有明确的年度目标", 10],
        ["1.3", "有专门的感控预算", 5],
        ["核心部分2：感染预防与控制指南（共20分）"],
        ["2.1", "已制定以下指南（可多选）："],
        ["2.1.1", "□手卫生", 5],
        ["2.1.2", "□标准预防", 5],
        ["2.1.3", "□多重耐药菌防控", 5],
        ["2.2", "指南每年更新", 5],
        ["核心部分3：教育与培训（共20分）"],
        ["3.1", "新员工岗前感控培训", 10],
        ["3.2", "每年全员感控培训", 10],
        ["总分", None, 70],
    ]
    merges = ["A1:D1", "A3:D3", "A10:D10", "A16:D16"]
    _xlsx(HERE / "IPCAF式感控评估问卷.xlsx", rows, merges, sheet="评估问卷")


# --- E. 手卫生检查表 (Word: one table, section merged down, ★ in the text, the legend as a paragraph after) ---------


def _docx_table(document: docx.document.Document, rows: Sequence[Row]) -> docx.table.Table:
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                table.cell(r, c).text = str(value)
    return table


def _new_docx(title: str) -> docx.document.Document:
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)  # type: ignore[attr-defined]
    document.add_paragraph(title)
    return document


def hand_hygiene() -> None:
    document = _new_docx("医院手卫生管理检查表")
    document.add_paragraph("被检查科室：__________  检查日期：__________")
    rows: list[list[object]] = [
        ["检查项目", "检查内容", "检查方法", "评分标准", "分值", "得分"],
        ["手卫生设施（10分）", "洗手池配置非手触式水龙头、洗手液、干手设施", "现场查看", "是4;否0", 4],
        [None, "治疗车、病房门口配备速干手消毒剂", "现场查看", "每发现一处未配备扣1分，扣完为止", 6],
        ["手卫生执行（20分）", "★医务人员在接触患者前后执行手卫生", "现场查看", "每发现1人次未执行扣2分，扣完为止", 10],
        [None, "手卫生方法正确（六步洗手法）", "实操", "抽查3人，每发现1人不正确扣2分", 6],
        [None, "医务人员掌握手卫生指征", "询问", "是4;部分知晓2;否0", 4],
        ["监测与反馈（10分）", "每月开展手卫生依从性监测", "查阅资料", "未开展不得分", 5],
        [None, "有监测结果反馈及改进措施", "查阅资料", "是5;否0", 5],
    ]
    table = _docx_table(document, rows)
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(3, 0).merge(table.cell(5, 0))
    table.cell(6, 0).merge(table.cell(7, 0))
    document.add_paragraph("注：带★的为关键项，不符合者本表评为不合格。")
    document.add_paragraph("检查人：__________")
    document.core_properties.author = "yg-tests"
    document.save(str(HERE / "手卫生管理检查表.docx"))


# --- F. 消毒供应中心检查表 (Word: a table continued on a second page with its header repeated, section title rows
#     merged across, two kinds of key items explained in the legend) --------------------------------------------------


def sterile_supply() -> None:
    document = _new_docx("消毒供应中心（CSSD）感染防控检查表")
    header = ["序号", "检查内容", "检查方法", "评分标准", "分值", "得分"]
    first: list[list[object]] = [
        header,
        ["一、布局与设施（15分）"],
        [
            1,
            "★区域划分：去污区、检查包装及灭菌区、无菌物品存放区，由污到洁不交叉不逆流",
            "现场查看",
            "分区不符合不得分",
            5,
        ],
        [2, "工作区域温度、湿度符合要求并记录", "查阅资料", "是5;否0", 5],
        [3, "清洗、消毒、灭菌设备设施齐全", "现场查看", "每缺一项扣1分，扣完为止", 5],
        ["二、清洗消毒（20分）"],
        [4, "▲器械清洗质量合格", "现场查看", "抽查10件，每发现1件不合格扣2分，扣完为止", 10],
        [5, "清洗消毒记录完整", "查阅资料", "是5;不完整2;否0", 5],
    ]
    table = _docx_table(document, first)
    for r in (1, 5):
        table.cell(r, 0).merge(table.cell(r, 5)).text = str(first[r][0])
    document.add_page_break()
    second: list[list[object]] = [
        header,
        [6, "消毒剂浓度每日监测", "查阅资料", "未监测不得分", 5],
        ["三、灭菌与监测（15分）"],
        [7, "★灭菌效果监测：(1)物理监测 (2)化学监测 (3)生物监测", "查阅资料", "一项不符合扣5分", 15],
        ["合计", None, None, None, 50],
    ]
    table = _docx_table(document, second)
    table.cell(2, 0).merge(table.cell(2, 5)).text = "三、灭菌与监测（15分）"
    document.add_paragraph("说明：1.标“★”的为否决项，不符合的评为不合格；2.标“▲”的为重点项，不符合的列为限期整改。")
    document.add_paragraph("检查人员签名：__________  检查日期：__________")
    document.core_properties.author = "yg-tests"
    document.save(str(HERE / "消毒供应中心检查表.docx"))


# --- G. 口腔诊疗感控检查表 (CSV: no section column, * in the points column for a key item without points) ----------


def dental_csv() -> None:
    rows = [
        ["口腔诊疗器械消毒灭菌检查表"],
        ["序号", "检查内容", "检查方法", "分值", "评分标准"],
        ["1", "口腔诊疗区域与器械处理区域分开", "现场查看", "10", "未分开不得分"],
        ["2", "牙科手机一人一用一灭菌", "现场查看、查阅资料", "*", ""],
        ["3", "器械清洗、包装、灭菌流程规范", "现场查看", "10", "每发现一处不规范扣2分，扣完为止"],
        ["4", "灭菌监测记录完整", "查阅资料", "10", "是10;不完整5;否0"],
        ["5", "医务人员个人防护规范", "现场查看", "10", "每发现1人未规范防护扣2分"],
        ["6", "医疗废物按规定处置", "现场查看", "10", "未按规定处置不得分"],
        ["合计", "", "", "50", ""],
        ["注：*为否决项，不符合者判定为不合格。"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    (HERE / "口腔诊疗感控检查表.csv").write_bytes(buffer.getvalue().encode("gbk"))


# --- H. 医疗废物管理检查表 (two header rows under a merged group header, 评价方法 that is the scoring rule) --------


def medical_waste() -> None:
    rows: list[list[object]] = [
        ["医疗废物管理督导检查表"],
        ["类别", "评价要点", "评价", None, "得分"],
        [None, None, "评价方法", "分值", None],
        ["管理制度(10分)", "建立医疗废物管理制度和意外事故应急预案", "缺一项扣2分", 4],
        [None, "设专（兼）职人员负责医疗废物管理", "未设置不得分", 3],
        [None, "定期开展医疗废物管理培训", "是3;否0", 3],
        ["分类收集(15分)", "医疗废物按类别分置于专用包装物或容器", "每发现一处混放扣2分，扣完为止", 6],
        [None, "包装物、容器有警示标识和中文标签", "每发现一处无标识扣1分", 4],
        [None, "损伤性废物置于利器盒", "发现损伤性废物未放入利器盒的，一票否决", None],
        [None, "盛装医疗废物不超过容器的3/4", "是5;否0", 5],
        [
            "暂存与交接(15分)",
            "暂存点设置符合要求：(1)远离医疗区和人员活动区 (2)有防渗漏设施 (3)有警示标识 (4)专人管理 (5)有冲洗消毒设施",
            "一项不符合扣3分",
            15,
        ],
        ["总分", None, None, 40],
    ]
    merges = ["A1:E1", "A2:A3", "B2:B3", "C2:D2", "E2:E3", *_merge_down(rows, 4, "A", [3, 4, 1])]
    _xlsx(HERE / "医疗废物管理检查表.xlsx", rows, merges)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for make in (
        communicable_disease,
        hospital_hygiene,
        fever_clinic,
        ipcaf_style,
        hand_hygiene,
        sterile_supply,
        dental_csv,
        medical_waste,
    ):
        make()
    print(f"wrote {len(list(HERE.iterdir()))} sheets to {HERE}")


if __name__ == "__main__":
    main()
