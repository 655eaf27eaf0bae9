"""The rows of a large import are cut into chunk files (JSON) at commit; every cell comes back
as the importer would have read it from the spreadsheet."""

import json
from datetime import date, datetime, time
from decimal import Decimal

from core.services.imports import _cells_from_json, _cells_to_json


def test_cells_survive_the_chunk_file():
    cells = {"text": "张三", "int": 3, "id_as_number": 4.2e17, "flag": True, "blank": None, "day": date(2026, 3, 15),
             "moment": datetime(2026, 3, 15, 8, 30), "clock": time(10, 30), "decimal": Decimal("1.50")}
    back = _cells_from_json(json.loads(json.dumps(_cells_to_json(cells))))
    assert back == {**cells, "clock": "10:30:00", "decimal": "1.50"}
    assert type(back["id_as_number"]) is float  # still refused by id_text as Excel-rounded
    assert type(back["moment"]) is datetime and type(back["day"]) is date
