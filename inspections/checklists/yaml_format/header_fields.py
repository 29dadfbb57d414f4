"""Reading and validating the checklist-level fields: basis, applies_to, and the scoring rule with its grades."""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode

from inspections.checklists.spec import LEVELS, SCORING_BASES, Applicability, GradeBand, ScoringBasis, ScoringRule
from inspections.checklists.yaml_format.nodes import NodeReader, line_of, opt
from inspections.checklists.yaml_format.schema import APPLIES_KEYS, GRADE_KEYS, SCORING_KEYS, TAG
from inspections.checklists.yaml_format.suggesting import num


class HeaderReader(NodeReader):
    """The fields above the sections that describe where the checklist applies and how it is scored."""

    def basis(self, node: Node) -> tuple[str, ...] | None:
        if isinstance(node, ScalarNode) and node.tag != TAG + "null":
            single = self.text(node, "依据（basis）")
            return None if single is None else (single,)
        entries = self.sequence(node, "依据（basis）", allow_empty=True)
        if entries is None:
            return None
        values = [self.text(entry, "依据（basis）中的一条") for entry in entries]
        return None if None in values else tuple(v for v in values if v is not None)

    def applies_to(self, node: Node) -> Applicability | None:
        if isinstance(node, ScalarNode) and node.tag == TAG + "null":
            return Applicability()
        fields = self.mapping(node, "适用范围（applies_to）", APPLIES_KEYS, ())
        if fields is None:
            return None
        fever = opt(fields, "has_fever_clinic", lambda n: self.boolean(n, "has_fever_clinic"))
        levels: tuple[int, ...] | None = None
        if "levels" in fields:
            levels = self._int_list(fields["levels"])
        categories: tuple[str, ...] | None = None
        if "categories" in fields:
            categories = self._text_list(fields["categories"], "机构类别（categories）")
        return Applicability(has_fever_clinic=fever, levels=levels, categories=categories)

    def _int_list(self, node: Node) -> tuple[int, ...] | None:
        entries = self.sequence(node, "医院等级（levels）")
        if entries is None:
            return None
        result: list[int] = []
        ok = True
        for entry in entries:
            level = self.integer(entry, "医院等级（levels）中的一项")
            if level is None:
                ok = False
            elif level not in LEVELS:
                self.error(
                    entry, f"医院等级（levels）只能是 0（未定级）、1（一级）、2（二级）、3（三级），而不是 {level}"
                )
                ok = False
            elif level in result:
                self.error(entry, f"医院等级（levels）中的 {level} 重复")
                ok = False
            else:
                result.append(level)
        return tuple(result) if ok else None

    def _text_list(self, node: Node, what: str) -> tuple[str, ...] | None:
        entries = self.sequence(node, what)
        if entries is None:
            return None
        result: list[str] = []
        ok = True
        for entry in entries:
            value = self.text(entry, f"{what}中的一项")
            if value is None:
                ok = False
            elif value in result:
                self.error(entry, f"{what}中的“{value}”重复")
                ok = False
            else:
                result.append(value)
        return tuple(result) if ok else None

    def scoring(self, node: Node) -> ScoringRule | None:
        if isinstance(node, ScalarNode) and node.tag == TAG + "null":
            return ScoringRule()
        fields = self.mapping(node, "评分规则（scoring）", SCORING_KEYS, ())
        if fields is None:
            return None
        default = ScoringRule()
        basis: ScoringBasis | None = opt(
            fields, "basis", lambda n: self.choice(n, "计分方式（scoring.basis）", SCORING_BASES)
        )
        ratio = opt(fields, "partial_ratio", lambda n: self.number(n, "部分符合得分比例（partial_ratio）"))
        if ratio is not None and not 0 < ratio < 1:
            self.error(
                fields["partial_ratio"],
                f"部分符合得分比例（partial_ratio）必须大于 0 且小于 1（例如 0.5），而不是 {num(ratio)}",
            )
            ratio = None
        grades = opt(fields, "grades", lambda n: self.grades(n, basis or default.basis))
        weight = opt(fields, "weight", lambda n: self.number(n, "检查表权重（scoring.weight）"))
        if weight is not None and not 0 < weight <= 1000:
            self.error(fields["weight"], f"检查表权重（scoring.weight）必须大于 0 且不超过 1000，而不是 {num(weight)}")
            return None
        if ("basis" in fields and basis is None) or ("partial_ratio" in fields and ratio is None):
            return None
        if "weight" in fields and weight is None:
            return None
        if "grades" in fields and grades is None:
            return None
        return ScoringRule(
            basis=basis or default.basis,
            partial_ratio=default.partial_ratio if ratio is None else ratio,
            grades=grades or default.grades,
            weight=default.weight if weight is None else weight,
        )

    def grades(self, node: Node, basis: ScoringBasis) -> tuple[GradeBand, ...] | None:
        entries = self.sequence(node, "分数段（grades）")
        if entries is None:
            return None
        bands: list[GradeBand] = []
        ok = True
        previous: float | None = None
        labels: dict[str, int] = {}
        for entry in entries:
            fields = self.mapping(entry, "分数段", GRADE_KEYS, GRADE_KEYS)
            if fields is None:
                ok = False
                continue
            minimum = opt(fields, "min", lambda n: self.number(n, "分数段的最低分（min）"))
            label = opt(fields, "label", lambda n: self.text(n, "分数段的名称（label）"))
            if minimum is None or label is None:
                ok = False
                continue
            where = fields["min"]
            if minimum < 0:
                self.error(where, f"分数段的最低分（min）不能是负数：{num(minimum)}")
                ok = False
            elif basis == "percent" and minimum > 100:
                self.error(where, f"按百分制（percent）计分时，分数段的最低分（min）不能超过 100：{num(minimum)}")
                ok = False
            elif previous is not None and minimum >= previous:
                self.error(
                    where,
                    f"分数段必须按最低分（min）从高到低排列：{num(minimum)} 不低于上一段的 {num(previous)}",
                )
                ok = False
            if label in labels:
                self.error(fields["label"], f"分数段名称“{label}”重复（第 {labels[label]} 行已经使用）")
                ok = False
            labels[label] = line_of(fields["label"])
            previous = minimum if previous is None or minimum < previous else previous
            bands.append(GradeBand(minimum, label))
        if bands and len(bands) == len(entries) and bands[-1].min != 0:
            self.error(
                entries[-1],
                f"最后一个分数段的最低分（min）必须是 0（现在是 {num(bands[-1].min)}），否则有的得分没有等级",
            )
            ok = False
        return tuple(bands) if ok else None
