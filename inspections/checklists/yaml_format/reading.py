"""Loading a checklist file: decoding, composing the YAML, and reading the document into a ``ChecklistSpec``.

Every problem found is reported at once, sorted by line, in one ``InvalidInputError``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.nodes import Node, ScalarNode

from inspections.checklists.spec import (
    CHECKLIST_CODE_RE,
    POINTS_BASIS_WEIGHTS,
    Applicability,
    ChecklistSpec,
    ScoringRule,
)
from inspections.checklists.textfile import MAX_FILE_BYTES, decode_text, read_limited
from inspections.checklists.yaml_format.item_fields import ItemReader
from inspections.checklists.yaml_format.nodes import opt
from inspections.checklists.yaml_format.schema import CODE_RULE, FORMAT_VERSION, MAX_VERSION, TAG, TOP_KEYS
from inspections.checklists.yaml_format.suggesting import kind_of, shorten, syntax_problem
from inspections.errors import InvalidInputError, Problem


def load_checklist_file(path: Path, *, require_remedy: bool = False) -> ChecklistSpec:
    """Load and validate a checklist YAML file; problems name the file (``path.name``) and line."""
    data = read_limited(path)
    return load_checklist_text(decode_text(data, path.name), path.name, require_remedy=require_remedy)


def load_checklist_text(text: str, source: str, *, require_remedy: bool = False) -> ChecklistSpec:
    """Parse and validate checklist YAML; raise InvalidInputError listing every problem found.

    ``require_remedy`` makes 整改要求 (``remedy``) mandatory on every item, as it is for the built-in checklists.
    """
    if len(text) > MAX_FILE_BYTES:
        raise InvalidInputError([Problem(source, "", "文件太大，超过 5 MB 的上限，不像是一份检查表")])
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as err:
        raise InvalidInputError([syntax_problem(err, source)]) from None
    except yaml.YAMLError as err:  # reader errors (unprintable characters) carry a position, not a mark
        raise InvalidInputError([Problem(source, "", f"不是有效的 YAML 文件（{err}）")]) from None
    except RecursionError:
        raise InvalidInputError([Problem(source, "", "YAML 的嵌套层次太深，这不是一份检查表")]) from None
    if root is None:
        raise InvalidInputError([Problem(source, "", "文件是空的，没有任何检查表内容")])
    reader = ChecklistReader(source, require_remedy)
    spec = reader.checklist(root)
    if reader.problems or spec is None:
        problems = sorted(reader.problems, key=_problem_order) or [Problem(source, "", "文件内容无效")]
        raise InvalidInputError(problems)
    return spec


def _compose(text: str) -> Node | None:
    """The YAML node tree, with line marks: libyaml when present (20× faster), else the pure-Python parser.

    A syntax error is reported by the pure-Python parser, whose messages the Chinese hints know.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _problem_order(problem: Problem) -> int:
    match = re.match(r"第 (\d+) 行", problem.location)
    return int(match.group(1)) if match else 0


class ChecklistReader(ItemReader):
    """The whole document: the format version, the header fields, then the body."""

    def checklist(self, root: Node) -> ChecklistSpec | None:
        fields = self.mapping(root, "检查表", TOP_KEYS, ("format", "code", "version", "title", "sections"))
        if fields is None:
            return None
        if "format" in fields:
            fmt = fields["format"]
            if not (isinstance(fmt, ScalarNode) and fmt.tag == TAG + "int" and fmt.value.strip() == "1"):
                shown = shorten(str(fmt.value)) if isinstance(fmt, ScalarNode) else kind_of(fmt)
                self.problems.clear()
                self.error(
                    fmt, f"不支持的格式版本 format: {shown}；本程序只能读取 format: {FORMAT_VERSION} 的检查表文件"
                )
                return None
        code = opt(fields, "code", lambda n: self.code(n, "检查表编号（code）", CHECKLIST_CODE_RE, CODE_RULE))
        version = opt(fields, "version", lambda n: self.integer(n, "版本号（version）"))
        if version is not None and not 1 <= version <= MAX_VERSION:
            self.error(
                fields["version"],
                f"版本号（version）必须是 1 到 {MAX_VERSION} 之间的整数，而不是 {shorten(str(version))}",
            )
            version = None
        title = opt(fields, "title", lambda n: self.text(n, "标题（title）"))
        effective_from = opt(fields, "effective_from", lambda n: self.date(n, "生效日期（effective_from）"))
        effective_to = opt(fields, "effective_to", lambda n: self.date(n, "失效日期（effective_to）"))
        if effective_from and effective_to and effective_to < effective_from:
            self.error(
                fields["effective_to"],
                f"失效日期（effective_to）{effective_to} 早于生效日期（effective_from）{effective_from}",
            )
        basis = opt(fields, "basis", self.basis)
        note = opt(fields, "note", lambda n: self.text(n, "说明（note）", allow_empty=True))
        applies_to = opt(fields, "applies_to", self.applies_to)
        scoring = opt(fields, "scoring", self.scoring)
        response_sets = opt(fields, "response_sets", self.response_sets)
        sections = opt(fields, "sections", lambda n: self.sections(n, response_sets or {}, "response_sets" in fields))
        if scoring is not None and scoring.basis == "points" and self.section_weights:
            self.error(self.section_weights[0], POINTS_BASIS_WEIGHTS)
        if self.problems or code is None or version is None or title is None or sections is None:
            return None
        return ChecklistSpec(
            code=code,
            version=version,
            title=title,
            sections=sections,
            effective_from=effective_from,
            effective_to=effective_to,
            basis=basis or (),
            note=note or "",
            applies_to=applies_to or Applicability(),
            scoring=scoring or ScoringRule(),
            response_sets=response_sets or {},
        )
