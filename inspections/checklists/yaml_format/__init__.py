"""The checklist YAML format (format: 1): loading with every problem located by line, and dumping.

Files are read as UTF-8 (with or without BOM), UTF-16 with BOM, or else GB18030/GBK when the bytes decode cleanly
(see ``textfile.decode_text``); files over 5 MB are refused. Scalars are resolved by their YAML tag, but a field that
holds text takes the scalar as written: ``code: yes`` is the string "yes" and ``code: 1.10`` the string "1.10",
never True or 1.1. Numbers come back as ``float``; text is stripped of surrounding white space.

The package, by job: ``schema`` (keys, limits), ``reading`` (entry points and the document), ``nodes`` (typed
scalars and structure), ``header_fields`` and ``item_fields`` (the checklist's fields, validated),
``suggesting`` (how problems are worded), ``dumping`` (writing YAML).
"""

from inspections.checklists.yaml_format.dumping import dump_checklist
from inspections.checklists.yaml_format.reading import load_checklist_file, load_checklist_text
from inspections.checklists.yaml_format.schema import FORMAT_VERSION

__all__ = ["FORMAT_VERSION", "dump_checklist", "load_checklist_file", "load_checklist_text"]
