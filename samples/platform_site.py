"""A provincial 预决算公开统一平台 on a local server: JSON endpoints that answer POST only (GET gets
405), departments and files per region, year and type, downloads by file id. The answers come from
tests/portals/platform_post/platform.json; used by the crawler's tests and benchmarks/crawl_speed.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.localserver import Call, Route

SITE = Path(__file__).resolve().parents[1] / "tests" / "portals" / "platform_post"

POST_YAML = """
name: shaanxi_yjsgk
family: platform
region: 陕西省西安市
local: true
delay: 0
api:
  regions:
    url: "{base_url}/yjsgk/api/region/list"
    method: POST
    form: {year: "{year}"}
  departments:
    url: "{base_url}/yjsgk/api/dept/list"
    method: POST
    form: {regionCode: "{region}", year: "{year}", type: "{type}"}
  files:
    url: "{base_url}/yjsgk/api/file/list"
    method: POST
    form: {deptId: "{dept_id}", year: "{year}", type: "{type}"}
  download: "{base_url}/yjsgk/download.do?fileId={file_id}"
  types: {1: budget, 2: final_accounts}
  years: [2025, 2026]
  list_key: data.rows
  region_id: regionCode
  dept_id: deptId
  dept_name: deptName
  file_id: fileId
  file_name: fileTitle
  published: releaseDate
"""


def platform_routes() -> dict[str, Any]:
    """The platform's endpoints: POST only, answers read from platform.json by the form fields."""
    data = json.loads((SITE / "platform.json").read_text("utf-8"))

    def answer(rows: list[dict[str, Any]]) -> Route:
        body = json.dumps({"code": 200, "msg": "success", "data": {"rows": rows, "total": len(rows)}}, ensure_ascii=False)
        return Route(body=body.encode(), content_type="application/json;charset=UTF-8", validators=False)

    def endpoint(pick: Any) -> Any:
        def handler(call: Call) -> Route:
            if call.method != "POST":
                return Route(status=405, body=b'{"code":405,"msg":"Request method not supported"}',
                             headers={"Allow": "POST"})
            return answer(pick(call.form))
        return handler

    routes: dict[str, Any] = {
        "/yjsgk/api/region/list": endpoint(lambda f: data["regions"] if f.get("year") in ("2025", "2026") else []),
        "/yjsgk/api/dept/list": endpoint(lambda f: data["departments"].get(
            f"{f.get('regionCode')}|{f.get('year')}|{f.get('type')}", [])),
        "/yjsgk/api/file/list": endpoint(lambda f: data["files"].get(f"{f.get('deptId')}|{f.get('year')}|{f.get('type')}", [])),
    }
    for file_id, rel in data["downloads"].items():
        routes[f"/yjsgk/download.do?fileId={file_id}"] = (SITE / rel).resolve()
    return routes
