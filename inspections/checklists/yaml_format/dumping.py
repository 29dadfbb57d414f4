"""Writing a ``ChecklistSpec`` as YAML in the documented format; ``load_checklist_text`` reads it back equal."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import Node

from inspections.checklists.spec import (
    Applicability,
    ChecklistSpec,
    Deduction,
    ItemSpec,
    ResponseOption,
    ScoringRule,
    SectionSpec,
)
from inspections.checklists.yaml_format.schema import FORMAT_VERSION, TAG


class _FlowMap(dict[str, Any]):
    """A mapping written in flow style: ``{min: 90, label: 优秀}``."""


class _FlowList(list[Any]):
    """A list written in flow style: ``[1, 2, 3]``."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that indents lists under their key, never writes anchors, and writes flow maps inline."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_flow_map(dumper: yaml.SafeDumper, data: _FlowMap) -> Node:
    return dumper.represent_mapping(TAG + "map", data.items(), flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> Node:
    return dumper.represent_sequence(TAG + "seq", data, flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar(TAG + "str", data, style=style)


_Dumper.add_representer(_FlowMap, _represent_flow_map)
_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(str, _represent_str)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def dump_checklist(spec: ChecklistSpec) -> str:
    """The checklist as YAML in the documented format; ``load_checklist_text`` gives back an equal spec."""
    data: dict[str, Any] = {"format": FORMAT_VERSION, "code": spec.code, "version": spec.version, "title": spec.title}
    if spec.effective_from is not None:
        data["effective_from"] = spec.effective_from
    if spec.effective_to is not None:
        data["effective_to"] = spec.effective_to
    if spec.basis:
        data["basis"] = list(spec.basis)
    if spec.note:
        data["note"] = spec.note
    applies = _applies_data(spec.applies_to)
    if applies:
        data["applies_to"] = applies
    if spec.scoring != ScoringRule():
        data["scoring"] = {
            "basis": spec.scoring.basis,
            "partial_ratio": _number(spec.scoring.partial_ratio),
            "grades": [_FlowMap(min=_number(band.min), label=band.label) for band in spec.scoring.grades],
        }
        if spec.scoring.weight != 1.0:
            data["scoring"]["weight"] = _number(spec.scoring.weight)
    if spec.response_sets:
        data["response_sets"] = {
            name: [_option_data(o) for o in options] for name, options in spec.response_sets.items()
        }
    data["sections"] = [_section_data(section) for section in spec.sections]
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096)


def _applies_data(applies: Applicability) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if applies.has_fever_clinic is not None:
        data["has_fever_clinic"] = applies.has_fever_clinic
    if applies.levels is not None:
        data["levels"] = _FlowList(applies.levels)
    if applies.categories is not None:
        data["categories"] = _FlowList(applies.categories)
    return data


def _option_data(option: ResponseOption) -> _FlowMap:
    data = _FlowMap(code=option.code, label=option.label)
    if option.points is not None:
        data["points"] = _number(option.points)
    data["outcome"] = option.outcome
    return data


def _section_data(section: SectionSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"code": section.code, "title": section.title}
    if section.points is not None:
        data["points"] = _number(section.points)
    if section.weight is not None:
        data["weight"] = _number(section.weight)
    data["items"] = [_item_data(item) for item in section.items]
    return data


def _deduction_data(deduction: Deduction) -> dict[str, Any]:
    data: dict[str, Any] = {"per": _number(deduction.per)}
    if deduction.cap is not None:
        data["cap"] = _number(deduction.cap)
    if deduction.unit != "处":
        data["unit"] = deduction.unit
    if deduction.subitems:
        data["subitems"] = list(deduction.subitems)
    if deduction.exceptions:
        data["exceptions"] = {n: _number(v) for n, v in deduction.exceptions}
    return data


def _item_data(item: ItemSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": item.code,
        "text": item.text,
        "method": item.method,
        "criteria": item.criteria,
        "points": _number(item.points),
    }
    if item.critical:
        data["critical"] = True
    if item.consequence:
        data["consequence"] = item.consequence
    if item.deduction is not None:
        data["deduction"] = _deduction_data(item.deduction)
    if item.remedy:
        data["remedy"] = item.remedy
    if item.evidence != "none":
        data["evidence"] = item.evidence
    if item.response_set is not None:
        data["response_set"] = item.response_set
    return data
