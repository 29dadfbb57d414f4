"""Checklists as versioned data: the file format, validation, Excel import and YAML export."""
