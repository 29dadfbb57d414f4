"""Reading and validating the checklist body: response sets and their options, sections, and items.

An item is checked against the response set it names (its points equal the set's best option; a critical item needs
a ``fail`` option).
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from inspections.checklists.spec import (
    EVIDENCE_RULES,
    ITEM_CODE_RE,
    MAX_WEIGHT,
    METHODS,
    OUTCOMES,
    Deduction,
    EvidenceRule,
    ItemSpec,
    Outcome,
    ResponseOption,
    SectionSpec,
    normalize_method,
)
from inspections.checklists.yaml_format.header_fields import HeaderReader
from inspections.checklists.yaml_format.nodes import line_of, opt
from inspections.checklists.yaml_format.schema import (
    DEDUCTION_KEYS,
    ITEM_CODE_RULE,
    ITEM_KEYS,
    MAX_ITEMS,
    MAX_OPTIONS,
    MAX_RESPONSE_SETS,
    MAX_SECTIONS,
    MAX_SUBITEMS,
    OPTION_KEYS,
    SECTION_KEYS,
    SECTION_REQUIRED,
    TAG,
)
from inspections.checklists.yaml_format.suggesting import kind_of, num, peek_label, suggest


class ItemReader(HeaderReader):
    """The response sets, then the sections with their items."""

    def __init__(self, source: str, require_remedy: bool) -> None:
        super().__init__(source, require_remedy)
        # the ``weight`` nodes of the sections read, so a points-basis checklist can be told where they are
        self.section_weights: list[Node] = []

    def response_sets(self, node: Node) -> dict[str, tuple[ResponseOption, ...]] | None:
        if isinstance(node, ScalarNode) and node.tag == TAG + "null":
            return {}
        if not isinstance(node, MappingNode):
            self.error(node, f"选项集（response_sets）应为“名称: 选项列表”的键值对，而不是{kind_of(node)}")
            return None
        if len(node.value) > MAX_RESPONSE_SETS:
            self.error(node, f"选项集（response_sets）太多（{len(node.value)} 个，上限 {MAX_RESPONSE_SETS} 个）")
            return None
        result: dict[str, tuple[ResponseOption, ...]] = {}
        first_line: dict[str, int] = {}
        ok = True
        for key_node, value_node in node.value:
            name = self.text(key_node, "选项集名称")
            if name is None:
                ok = False
                continue
            if name in first_line:
                self.error(key_node, f"选项集名称 {name} 重复（第 {first_line[name]} 行已经定义）")
                ok = False
                continue
            first_line[name] = line_of(key_node)
            options = self.options(value_node, name)
            if options is None:
                ok = False
            else:
                result[name] = options
        return result if ok else None

    def options(self, node: Node, set_name: str) -> tuple[ResponseOption, ...] | None:
        entries = self.sequence(node, f"选项集 {set_name}")
        if entries is None:
            return None
        if len(entries) > MAX_OPTIONS:
            self.error(node, f"选项集 {set_name} 的选项太多（{len(entries)} 个，上限 {MAX_OPTIONS} 个）")
            return None
        options: list[ResponseOption] = []
        codes: dict[str, int] = {}
        ok = True
        for entry in entries:
            where = f"选项集 {set_name} 的选项"
            fields = self.mapping(entry, where, OPTION_KEYS, ("code", "label", "outcome"))
            if fields is None:
                ok = False
                continue
            code = opt(fields, "code", self.text, f"{where}编号（code）")
            label = opt(fields, "label", self.text, f"{where}名称（label）")
            outcome: Outcome | None = opt(fields, "outcome", self.choice, f"{where}结果（outcome）", OUTCOMES)
            points = opt(fields, "points", self.number, f"{where}分值（points）")
            if code is not None:
                if code in codes:
                    self.error(
                        fields["code"], f"选项集 {set_name} 中的选项编号 {code} 重复（第 {codes[code]} 行已经使用）"
                    )
                    ok = False
                codes[code] = line_of(fields["code"])
            if outcome in ("na", "not_checked") and "points" in fields:
                self.error(
                    fields["points"], f"选项 {code} 的 outcome 是 {outcome}（不计入总分），不应填写分值（points）"
                )
                ok = False
            elif outcome in ("pass", "partial", "fail") and "points" not in fields:
                self.error(entry, f"选项 {code} 的 outcome 是 {outcome}，必须填写分值（points）")
                ok = False
            elif points is not None and points < 0:
                self.error(fields["points"], f"选项 {code} 的分值（points）不能是负数：{num(points)}")
                ok = False
            if code is None or label is None or outcome is None or ("points" in fields and points is None):
                ok = False
                continue
            options.append(
                ResponseOption(code, label, points if outcome not in ("na", "not_checked") else None, outcome)
            )
        if ok and all(option.points is None for option in options):
            self.error(node, f"选项集 {set_name} 中至少要有一个计分的选项（outcome 为 pass / partial / fail）")
            ok = False
        return tuple(options) if ok else None

    def sections(
        self, node: Node, response_sets: dict[str, tuple[ResponseOption, ...]], sets_declared: bool
    ) -> tuple[SectionSpec, ...] | None:
        entries = self.sequence(node, "分组（sections）")
        if entries is None:
            return None
        if len(entries) > MAX_SECTIONS:
            self.error(node, f"分组（sections）太多（{len(entries)} 个，上限 {MAX_SECTIONS} 个）")
            return None
        sections: list[SectionSpec] = []
        section_codes: dict[str, int] = {}
        item_codes: dict[str, int] = {}
        item_count = 0
        for number, entry in enumerate(entries, start=1):
            fields = self.mapping(entry, f"第 {number} 个分组", SECTION_KEYS, SECTION_REQUIRED)
            if fields is None:
                continue
            code = opt(fields, "code", lambda n: self.code(n, "分组编号（code）", ITEM_CODE_RE, ITEM_CODE_RULE))
            where = f"分组 {code}" if code else f"第 {number} 个分组"
            if code is not None:
                if code in section_codes:
                    self.error(fields["code"], f"分组编号 {code} 重复（第 {section_codes[code]} 行已经使用）")
                else:
                    section_codes[code] = line_of(fields["code"])
            title = opt(fields, "title", self.text, f"{where} 的标题（title）")
            section_points = opt(fields, "points", self.number, f"{where} 的分值（points）")
            if section_points is not None and section_points <= 0:
                self.error(fields["points"], f"{where} 的分值（points）必须大于 0，而不是 {num(section_points)}")
                section_points = None
            weight = opt(fields, "weight", self.number, f"{where} 的权重（weight）")
            if weight is not None and not 0 < weight <= MAX_WEIGHT:
                self.error(
                    fields["weight"],
                    f"{where} 的权重（weight）必须大于 0 且不超过 {num(MAX_WEIGHT)}，而不是 {num(weight)}",
                )
                weight = None
            if weight is not None:
                self.section_weights.append(fields["weight"])
            item_nodes = opt(fields, "items", self.sequence, f"{where} 的检查项目（items）")
            items: list[ItemSpec] = []
            for item_node in item_nodes or []:
                item_count += 1
                if item_count > MAX_ITEMS:
                    self.error(item_node, f"检查项目太多（上限 {MAX_ITEMS} 项）")
                    return None
                item = self.item(item_node, item_codes, response_sets, sets_declared)
                if item is not None:
                    items.append(item)
            points_ok = ("points" not in fields or section_points is not None) and (
                "weight" not in fields or weight is not None
            )
            if code is not None and title is not None and item_nodes is not None and points_ok:
                sections.append(SectionSpec(code, title, tuple(items), section_points, weight))
        return tuple(sections)

    def item(
        self,
        node: Node,
        item_codes: dict[str, int],
        response_sets: dict[str, tuple[ResponseOption, ...]],
        sets_declared: bool,
    ) -> ItemSpec | None:
        fields = self.mapping(node, peek_label(node), ITEM_KEYS, ("code", "text", "points"))
        if fields is None:
            return None
        code = opt(fields, "code", lambda n: self.code(n, "项目编号（code）", ITEM_CODE_RE, ITEM_CODE_RULE))
        if code is not None:
            if code in item_codes:
                self.error(fields["code"], f"项目编号 {code} 重复（第 {item_codes[code]} 行已经使用）")
            else:
                item_codes[code] = line_of(fields["code"])
        who = f"项目 {code}" if code else "项目"
        if "remedy" not in fields and self.require_remedy:
            self.error(node, f"{who} 缺少整改要求（remedy）（内置检查表的每一项都必须写明整改要求）")
        text = opt(fields, "text", lambda n: self.text(n, f"{who} 的检查内容（text）"))
        # method and criteria may be empty (many published sheets have no method column, key items no criteria)
        method = opt(fields, "method", lambda n: self.method(n, who)) if "method" in fields else ""
        criteria = (
            opt(fields, "criteria", lambda n: self.text(n, f"{who} 的评分标准（criteria）", allow_empty=True))
            if "criteria" in fields
            else ""
        )
        points = opt(fields, "points", lambda n: self.number(n, f"{who} 的分值（points）"))
        critical = opt(fields, "critical", lambda n: self.boolean(n, f"{who} 的否决项（critical）"))
        if points is not None and (points < 0 or (points == 0 and not critical)):
            self.error(
                fields["points"], f"{who} 的分值（points）必须大于 0（只有否决项可以是 0），而不是 {num(points)}"
            )
            points = None
        consequence = opt(fields, "consequence", lambda n: self.text(n, f"{who} 的否决后果（consequence）"))
        if consequence is not None and not critical:
            self.error(fields["consequence"], f"{who} 不是否决项（critical），不能填写否决后果（consequence）")
            consequence = None
        deduction = self.deduction(fields["deduction"], who, points) if "deduction" in fields else None
        remedy = opt(
            fields, "remedy", lambda n: self.text(n, f"{who} 的整改要求（remedy）", allow_empty=not self.require_remedy)
        )
        evidence: EvidenceRule | None = opt(
            fields, "evidence", lambda n: self.choice(n, f"{who} 的照片要求（evidence）", EVIDENCE_RULES)
        )
        response_set = opt(fields, "response_set", lambda n: self.text(n, f"{who} 的选项集（response_set）"))
        optional_ok = not (
            ("critical" in fields and critical is None)
            or ("consequence" in fields and consequence is None)
            or ("deduction" in fields and deduction is None)
            or ("evidence" in fields and evidence is None)
            or ("remedy" in fields and remedy is None)
        )
        if response_set is not None:
            options = response_sets.get(response_set)
            if options is None:
                if sets_declared and not response_sets:
                    pass  # the response sets themselves are broken and already reported
                elif response_sets:
                    known = "、".join(response_sets)
                    self.error(
                        fields["response_set"],
                        f"{who} 引用了未知的选项集 {response_set}{suggest(response_set, list(response_sets))}"
                        f"（文件中定义的选项集：{known}）",
                    )
                else:
                    self.error(
                        fields["response_set"],
                        f"{who} 引用了未知的选项集 {response_set}（文件中没有定义 response_sets）",
                    )
                optional_ok = False
            else:
                self._check_against_set(fields, who, points, critical, response_set, options)
        if code is None or text is None or method is None or criteria is None or points is None:
            return None
        if not optional_ok or ("response_set" in fields and response_set is None):
            return None
        return ItemSpec(
            code=code,
            text=text,
            method=method,
            criteria=criteria,
            points=points,
            critical=bool(critical),
            remedy=remedy or "",
            evidence=evidence or "none",
            response_set=response_set,
            consequence=consequence or "",
            deduction=deduction,
        )

    def deduction(self, node: Node, who: str, points: float | None) -> Deduction | None:
        """``deduction: {per: 2, cap: 6, unit: 处}`` or ``{per: 2, subitems: [...], exceptions: {5: 4}}``."""
        where = f"{who} 的扣分规则（deduction）"
        fields = self.mapping(node, where, DEDUCTION_KEYS, ("per",))
        if fields is None:
            return None
        ok = True
        per = opt(fields, "per", self.number, f"{where}中的每次扣分（per）")
        cap = opt(fields, "cap", self.number, f"{where}中的最多扣分（cap）") if "cap" in fields else None
        unit = opt(fields, "unit", self.text, f"{where}中的单位（unit）") if "unit" in fields else "处"
        subitems: tuple[str, ...] = ()
        if "subitems" in fields:
            entries = self.sequence(fields["subitems"], f"{where}中的子项（subitems）")
            texts = [self.text(entry, f"{where}中的子项") for entry in entries or []]
            if entries is None or any(t is None for t in texts) or len(texts) > MAX_SUBITEMS:
                if entries is not None and len(texts) > MAX_SUBITEMS:
                    self.error(fields["subitems"], f"{where}中的子项太多（上限 {MAX_SUBITEMS} 个）")
                ok = False
            subitems = tuple(t for t in texts if t is not None)
        exceptions: list[tuple[int, float]] = []
        if "exceptions" in fields:
            node_e = fields["exceptions"]
            if not isinstance(node_e, MappingNode) or not subitems:
                self.error(
                    node_e, f"{where}中的例外扣分（exceptions）应为“子项序号: 扣分”，且只用于有子项（subitems）的规则"
                )
                ok = False
            else:
                for key_node, value_node in node_e.value:
                    number = self.integer(key_node, f"{where}中的子项序号")
                    value = self.number(value_node, f"{where}中第 {number} 个子项的扣分")
                    if number is None or value is None:
                        ok = False
                    elif not 1 <= number <= len(subitems) or value <= 0:
                        self.error(key_node, f"{where}中的例外扣分：子项序号应在 1–{len(subitems)} 之间，扣分应大于 0")
                        ok = False
                    else:
                        exceptions.append((number, value))
        if per is not None and per <= 0:
            self.error(fields["per"], f"{where}中的每次扣分（per）必须大于 0，而不是 {num(per)}")
            ok = False
        if cap is not None and (cap <= 0 or (points is not None and cap > points)):
            self.error(fields["cap"], f"{where}中的最多扣分（cap）应大于 0 且不超过项目分值")
            ok = False
        if per is None or unit is None or not ok:
            return None
        return Deduction(per=per, cap=cap, unit=unit, subitems=subitems, exceptions=tuple(exceptions))

    def _check_against_set(
        self,
        fields: dict[str, Node],
        who: str,
        points: float | None,
        critical: bool | None,
        name: str,
        options: tuple[ResponseOption, ...],
    ) -> None:
        scored = [option for option in options if option.points is not None]
        if points is not None and scored:
            top = max(scored, key=lambda option: option.points or 0.0)
            over = [option for option in scored if (option.points or 0.0) > points]
            if over:
                self.error(
                    fields["points"],
                    f"{who} 的分值（points）是 {num(points)}，小于选项集 {name} 中选项 {over[0].code} 的分值 "
                    f"{num(over[0].points or 0.0)}；项目分值应等于选项集中的最高分 {num(top.points or 0.0)}",
                )
            elif top.points != points:
                self.error(
                    fields["points"],
                    f"{who} 的分值（points）是 {num(points)}，但选项集 {name} 中的最高分只有 "
                    f"{num(top.points or 0.0)}；项目分值应等于选项集中的最高分",
                )
        if critical and not any(option.outcome == "fail" for option in options):
            self.error(
                fields["critical"],
                f"{who} 是否决项，但选项集 {name} 中没有 outcome 为 fail 的选项，否决永远不会生效",
            )

    def method(self, node: Node, who: str) -> str | None:
        value = self.text(node, f"{who} 的检查方法（method）", allow_empty=True)
        if value is None:
            return None
        if not value.strip():
            return ""
        normalized, unknown = normalize_method(value)
        if normalized is None:
            bad = "、".join(unknown) or value
            self.error(
                node,
                f"{who} 的检查方法“{bad}”无效{suggest(unknown[0] if unknown else value, list(METHODS))}；"
                f"只能是 {'、'.join(METHODS)} 之一，或用“、”连接的几种（例如 现场查看、查阅资料）",
            )
        return normalized
