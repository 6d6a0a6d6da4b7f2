"""Spreadsheets for ministry staff: `isoko import`, `isoko export` and templates (CSV or XLSX).

The modules, each depending only on the ones listed before it:

- `problems`: a problem in a sheet as `file:row:column: message` plus a fix; column letters;
- `spec`: the columns of a sheet, derived from the JSON-LD context and the SHACL shapes;
- `cells`: cell values (formulas, error cells, several values in one cell, amounts, dates);
- `files`: reading CSV (UTF-8 checked) and XLSX row by row, streamed; writing CSV and XLSX;
- `convert`: the header row, and each row as the record of one source (import);
- `exporter`: each source as the cells of one row, and `export`;
- `templates`: `template`, with its README sheet (columns, allowed values, what a sheet cannot express);
- `staging`: the outcome of an import, its staged files, and moving them into data/;
- `update`: `--update`, merging an existing source with the columns of its row;
- `validate`: validation of the staged copy of data/, each problem mapped back to `file:row:column`;
- `importer`: `import_sheet`, all files or none;
- `commands`: `isoko import` and `isoko export` (registered in isoko/cli.py).
"""

from .cells import ITEM_SEPARATOR, SEPARATOR, CellError, Formula, cell_text, parse_amount, split_values
from .commands import IMPORT_KINDS, export_command, import_command
from .exporter import export
from .files import README_SHEET, read_rows, write_sheet
from .importer import MAX_PROBLEMS, import_sheet
from .problems import SheetError, SheetProblem
from .spec import Column, Group, SheetSpec, sheet_spec
from .staging import ImportResult
from .templates import template

__all__ = [
    "IMPORT_KINDS", "ITEM_SEPARATOR", "MAX_PROBLEMS", "README_SHEET", "SEPARATOR",
    "CellError", "Column", "Formula", "Group", "ImportResult", "SheetError", "SheetProblem", "SheetSpec",
    "cell_text", "export", "export_command", "import_command", "import_sheet", "parse_amount", "read_rows",
    "sheet_spec", "split_values", "template", "write_sheet",
]
