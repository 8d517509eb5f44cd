"""The form editor's state (流程设计 › 表单): the field list a designer edits (`spec`), and the JSON Schema a
task form is, built from it and read back into it (`schema`) to open a stored form or apply hand-written JSON.
"""
