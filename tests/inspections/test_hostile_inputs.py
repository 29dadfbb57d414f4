"""Issue 18 cases in the core: absurd points and sizes are refused with the limit stated (and scoring survives a
checklist stored before the limits), institution names and codes are normalized before comparison and storage."""

from __future__ import annotations

import pytest

from inspections.checklists.spec import MAX_POINTS, MAX_TITLE_CHARS, ChecklistSpec, ItemSpec, SectionSpec
from inspections.errors import InvalidInputError, UserError
from inspections.institutions import InstitutionData, create_institution, get_institution, list_institutions
from inspections.scoring import Answer, score_checklist
from inspections.templates import import_checklist
from models.database import Database


def _spec(*, points: float = 5, title: str = "测试检查表") -> ChecklistSpec:
    items = (
        ItemSpec(code="A1", text="设置预检分诊点", method="现场查看", criteria="未设置不得分", points=points),
        ItemSpec(code="A2", text="配备体温计", method="现场查看", criteria="缺少不得分", points=points),
    )
    return ChecklistSpec(code="hostile", version=1, title=title, sections=(SectionSpec("A", "分诊", items),))


def test_scoring_survives_points_of_1e308() -> None:
    # A checklist stored before points were limited: the default 28-digit decimal context failed above ~1e26.
    score = score_checklist(_spec(points=1e308), {"A1": Answer("pass"), "A2": Answer("fail")})
    assert score.score == 50.0 and score.grade == "不合格"


def test_absurd_points_and_a_huge_title_are_refused_with_the_limit(ws: Database) -> None:
    with pytest.raises(InvalidInputError) as err, ws.begin() as s:
        import_checklist(s, "张三", _spec(points=1e308), source="恶意.yaml")
    assert f"超出 0–{MAX_POINTS:g} 分的范围" in str(err.value) and "A1" in str(err.value)
    with pytest.raises(InvalidInputError) as err, ws.begin() as s:
        import_checklist(s, "张三", _spec(title="标" * 1_600_000), source="恶意.yaml")
    message = str(err.value)
    assert f"1600000 个字，上限 {MAX_TITLE_CHARS} 个" in message and len(message) < 1000
    with pytest.raises(InvalidInputError, match="控制字符"), ws.begin() as s:
        import_checklist(s, "张三", _spec(title="\x1b[2J检查表\u202e"), source="恶意.yaml")


def test_institutions_that_look_the_same_are_the_same(ws: Database) -> None:
    with ws.begin() as s:
        first = create_institution(s, "张三", InstitutionData(name="上街区人民医院", code="T001"))
    for data in (
        InstitutionData(name="上街区人民医院\u200b"),
        InstitutionData(name="上街区\u202e人民医院"),
        InstitutionData(name="另一家医院", code="Ｔ００１"),
        InstitutionData(name="另一家医院", code="t001\ufeff"),
    ):
        with pytest.raises(UserError, match="上街区人民医院"), ws.begin() as s:
            create_institution(s, "张三", data)
    with ws.begin() as s:
        second = create_institution(s, "张三", InstitutionData(name="\u200b第二\u2066医院\u2069", code="Ｔ００２"))
    with ws.session() as s:
        stored = get_institution(s, second)
        assert (stored.name, stored.code) == ("第二医院", "T002")
        assert len(list_institutions(s)) == 2 and get_institution(s, first).code == "T001"


def test_a_local_photo_keeps_no_comment_or_metadata() -> None:
    import io

    from PIL import Image

    from inspections.photos import prepare_photo

    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (34.0, 45.0, 30.0)})  # where the photo was taken
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes(),
                                                     comment=b"<script>alert(1)</script>")
    stored, _ = prepare_photo(buffer.getvalue() + b"PK\x03\x04appended zip")
    assert b"<script>" not in stored and b"Exif" not in stored and b"PK\x03\x04" not in stored


def test_the_limits_table_states_every_limit_with_its_value() -> None:
    from pathlib import Path

    from inspections import photos, tabular
    from inspections.checklists import excel_format, spec, textfile
    from inspections.checklists.yaml_format import schema as yaml_format
    from inspections.errors import MAX_LISTED_PROBLEMS
    from inspections.packages import format as package_format
    from inspections.packages import records
    from models import database

    doc = (Path(__file__).resolve().parents[2] / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    table = doc[doc.index("### 外部输入的上限") : doc.index("### 敌意测试的补充案例")]
    mb, gb = 1024 * 1024, 1024**3
    pf = package_format
    stated = {
        f"{textfile.MAX_FILE_BYTES // mb} MB": "MAX_FILE_BYTES",
        f"{excel_format.MAX_TABLE_BYTES // mb} MB，检查内容 {excel_format.MAX_ITEM_ROWS} 行": "MAX_ITEM_ROWS",
        f"分组 {yaml_format.MAX_SECTIONS} 个、检查项 {yaml_format.MAX_ITEMS} 项": "MAX_SECTIONS",
        f"0–{spec.MAX_POINTS:g} 分": "MAX_POINTS",
        f"{spec.MAX_TITLE_CHARS} 字，不得含换行": "MAX_TITLE_CHARS",
        f"{spec.MAX_TEXT_CHARS} 字，不得含控制字符": "MAX_TEXT_CHARS",
        f"{spec.MAX_BASIS_ENTRIES} 条、{spec.MAX_CATEGORIES} 个、{spec.MAX_GRADES} 个": "MAX_GRADES",
        f"{tabular.MAX_TABLE_BYTES // mb} MB，{tabular.MAX_DATA_ROWS} 行，读取前 {tabular.MAX_COLUMNS} 列": (
            "MAX_DATA_ROWS"
        ),
        f"{photos.MAX_PHOTO_FILE_BYTES // mb} MB，{photos.MAX_PIXELS // 1_000_000} 百万像素": "MAX_PIXELS",
        f"每边不超过 {photos.MAX_LONG_EDGE} 像素": "check_stored_photo",
        f"{pf.MAX_PACKAGE_BYTES // gb} GB；解压后合计 {pf.MAX_TOTAL_UNCOMPRESSED // gb} GB；"
        f"条目（zip 中和清单中）{pf.MAX_ENTRIES} 个": "MAX_PACKAGE_BYTES",
        f"{package_format.MAX_JSON_BYTES // mb} MB，检查表 {package_format.MAX_CHECKLIST_BYTES // mb} MB，"
        f"照片 {package_format.MAX_PHOTO_BYTES // mb} MB": "MAX_JSON_BYTES",
        f"压缩比不超过 {package_format.MAX_RATIO} 倍": "MAX_JSON_BYTES",
        f"±{records.MAX_NUMBER}": "MAX_NUMBER",
        f"各 {records.MAX_LIST} 条": "MAX_LIST",
        f"前 {MAX_LISTED_PROBLEMS} 个": "MAX_LISTED_PROBLEMS",
        f"| {database.LOCK_WAIT_SECONDS} 秒 |": "LOCK_WAIT_SECONDS",
    }
    for text, name in stated.items():
        assert text in table, f"{name}: {text!r} not in the limits table of docs/RELIABILITY.md"
        assert name in table
