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
