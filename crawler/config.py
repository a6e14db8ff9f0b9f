"""A portal is configuration: one YAML mapping per portal, read into `PortalConfig`.

A YAML file holds one portal mapping, a list of them, or `{portals: [...]}`; a folder is every
`*.yaml` in it. `{base_url}` in any string is replaced by the `base_url` argument (used by the
demo and the tests, whose portals live on 127.0.0.1 at a port chosen at run time).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from domain.formats import DOCUMENT_FORMATS

FAMILIES: dict[str, str] = {
    "trs": "TRS CMS list pages (createPageHTML → index_N.html)",
    "gdcms": "gdcms list (content/post_N.html)",
    "jeecms": "Jeecms list / article with /attachment/ links",
    "hanweb": "Hanweb list (col/colN, art_{col}_{id}.html)",
    "xxgk": "政府信息公开 articles with attachments",
    "platform": "JSON provincial unified platform (region → departments → files → download.do)",
}
# Pager of each family when the YAML does not say: the URL of list page k+1 is template.format(n=first+k-1)
# plus what the page's own script says: TRS {prefix}/{suffix} from createPageHTML(count, cur, "index",
# "html"), Hanweb {uid} from its jpage datastore / script (a template without them is used as written).
FAMILY_PAGING: dict[str, dict[str, Any]] = {
    "trs": {"template": "{prefix}_{n}.{suffix}", "first": 1},
    "gdcms": {"template": "index_{n}.html", "first": 2},
    "jeecms": {"template": "index_{n}.jhtml", "first": 2},
    "hanweb": {"template": "?uid={uid}&pageNum={n}", "first": 2},
    "xxgk": {"template": "index_{n}.html", "first": 1},
    "platform": {"style": "none"},
}
# Article URLs of each family, used when the YAML names no `item_pattern` and the list page has links
# of this shape (so menu and column links with 预算 in their text are not taken for articles).
FAMILY_ITEMS: dict[str, str] = {
    "trs": r"/t\d{8}_\d+\.s?html?$",
    "gdcms": r"/content/(?:post|mpost)_\d+\.html$",
    "jeecms": r"/\d+\.jhtml$",
    "hanweb": r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$",
}
# Links followed when the YAML names no `extensions`: every document format but the .htm spelling.
DEFAULT_EXTENSIONS = [f for f in DOCUMENT_FORMATS if f != "htm"]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ConfigError(ValueError):
    """A portal YAML that cannot be used; the message names the file and the field."""


@dataclass
class Paging:
    """How further list pages are found. `template` is joined to the first list page's URL."""

    style: str = "auto"  # auto | none
    template: str = "index_{n}.html"  # TRS: index_1.html is page 2; gdcms: index_2.html is page 2
    first: int = 1  # n of the second page
    max_pages: int = 50


@dataclass
class Endpoint:
    """One JSON endpoint of a platform: a URL template, the method and the form fields (templates too)."""

    url: str
    method: str = "GET"  # GET | POST
    form: dict[str, str] = field(default_factory=dict)

    def fill(self, **values: Any) -> tuple[str, dict[str, str]]:
        """The URL and form with the placeholders filled ({region} {year} {dept_id} {type} {file_id})."""
        return self.url.format(**values), {k: str(v).format(**values) for k, v in self.form.items()}


# Placeholders each platform endpoint may use.
API_PLACEHOLDERS = {"regions": {"year"}, "departments": {"region", "year", "type"},
                    "files": {"region", "year", "type", "dept_id"},
                    "download": {"region", "year", "type", "dept_id", "file_id"}}
DOC_KINDS = ("budget", "final_accounts")


def endpoint(value: str | dict[str, Any]) -> Endpoint:
    """An endpoint as written in the YAML: a GET URL template, or {url, method, form}."""
    if isinstance(value, str):
        return Endpoint(value)
    return Endpoint(url=value["url"], method=str(value.get("method", "GET")).upper(),
                    form={str(k): str(v) for k, v in (value.get("form") or {}).items()})


@dataclass
class ApiConfig:
    """JSON unified platform: its endpoints (each a GET URL template or {url, method: GET|POST, form:
    {field: "{placeholder}"}}) and the field names of its JSON answers."""

    departments: str | dict[str, Any] = ""  # {region} {year} {type}
    files: str | dict[str, Any] = ""  # {dept_id} {year} {region} {type}
    download: str | dict[str, Any] = ""  # {file_id} (and the above)
    regions: list[str] | str | dict[str, Any] = field(default_factory=list)  # ids, or an endpoint listing them
    years: list[int] = field(default_factory=list)  # the years, or [from, to] (both included)
    types: dict[str, str] = field(default_factory=dict)  # {type} value → budget | final_accounts
    list_key: str = "data"  # where the list sits in each JSON answer ("" = the answer is the list)
    region_id: str = "id"  # a region's id in the regions answer
    dept_id: str = "id"
    dept_name: str = "name"
    file_id: str = "iid"
    file_name: str = "name"
    published: str = "publishTime"

    def endpoints(self) -> dict[str, Endpoint]:
        names = ("regions", "departments", "files", "download")
        return {n: endpoint(getattr(self, n)) for n in names
                if getattr(self, n) and not isinstance(getattr(self, n), list)}


@dataclass
class PortalConfig:
    name: str
    family: str
    start_urls: list[str] = field(default_factory=list)
    allowed_domains: list[str] = field(default_factory=list)
    local: bool = False  # true only for portals on 127.0.0.1 (demo, tests)
    region: str | None = None
    department: str | None = None  # fixed department, when titles do not carry it
    include: list[str] = field(default_factory=lambda: ["预算", "决算"])  # title words of a disclosure item
    exclude: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # empty = any year
    item_pattern: str | None = None  # regex an article URL must match (e.g. "/t\\d{8}_\\d+\\.html$")
    list_selector: str | None = None  # CSS region of a list page holding the items
    sublists: str | None = None  # regex of links to further list pages (tabs of sub-units)
    start_kind: str = "list"  # list | article (start URLs are the articles themselves)
    paging: Paging = field(default_factory=Paging)
    extensions: list[str] = field(default_factory=lambda: list(DEFAULT_EXTENSIONS))
    inline_html: str = "auto"  # auto | always | never: save the article HTML when its tables are inline
    content_selector: str | None = None  # CSS of an article's body (inline-HTML documents keep only it)
    revalidate: bool = True  # re-check known attachments (conditional GET) even when their page is unchanged
    title_pattern: str | None = None  # regex with named groups department / year
    api: ApiConfig = field(default_factory=ApiConfig)
    timeout: float = 60.0  # seconds per request
    max_size_mb: float = 50.0  # per download
    delay: float = 1.0  # AutoThrottle start delay, seconds
    concurrency_per_domain: int = 2
    retries: int = 2  # on 5xx / timeouts, with exponential backoff
    retry_backoff: float = 1.0  # seconds before the first retry; doubled each time, at most 60
    source: str | None = None  # the YAML file it came from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | None = None) -> PortalConfig:
        where = f"{source or '<dict>'}: {data.get('name', '?')}"
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"{where}: 未知字段 unknown field(s) {sorted(unknown)}")
        data = dict(data)
        for key in ("start_urls", "allowed_domains", "include", "exclude", "extensions"):
            if isinstance(data.get(key), str):
                data[key] = [data[key]]
        for key in ("name", "family"):
            if not data.get(key):
                raise ConfigError(f"{where}: 缺少字段 missing field {key!r}")
        api = data.get("api")
        if isinstance(api, dict):
            data["api"] = api = dict(api)
            if isinstance(api.get("regions"), list):  # ids written as numbers
                api["regions"] = [str(r) if isinstance(r, int) else r for r in api["regions"]]
            if isinstance(api.get("types"), dict):  # {1: budget, 2: final_accounts}
                api["types"] = {str(k): v for k, v in api["types"].items()}
            years = api.get("years")
            if (isinstance(years, list) and len(years) == 2 and all(isinstance(y, int) for y in years)
                    and years[0] < years[1]):  # [from, to]
                api["years"] = list(range(years[0], years[1] + 1))
        if data.get("family") == "platform" and "include" not in data:
            data["include"] = []  # a platform's files are disclosures: no title-word filter unless asked
        _check_types(where, "", data, cls)
        for key, sub in (("paging", Paging), ("api", ApiConfig)):
            if data.get(key) is not None and not isinstance(data[key], dict):
                raise ConfigError(f"{where}: 字段 field {key!r}: 须为映射 / must be a mapping, got {data[key]!r}")
            extra = set(data.get(key) or {}) - {f.name for f in fields(sub)}
            if extra:
                raise ConfigError(f"{where}: 字段 field {key!r}: 未知字段 unknown field(s) {sorted(extra)}")
            _check_types(where, f"{key}.", data.get(key) or {}, sub)
        paging = {**FAMILY_PAGING.get(str(data.get("family")), {}), **(data.get("paging") or {})}
        data["paging"] = Paging(**paging)
        data["api"] = ApiConfig(**(data.get("api") or {}))
        if source and not data.get("source"):
            data["source"] = source
        portal = cls(**data)
        portal.validate(where)
        return portal

    def validate(self, where: str) -> None:
        if not self.name:
            raise ConfigError(f"{where}: 缺少 name / missing name")
        for key in ("timeout", "max_size_mb"):
            if getattr(self, key) <= 0:
                raise ConfigError(f"{where}: 字段 field {key!r}: 须大于 0 / must be > 0, got {getattr(self, key)!r}")
        for key in ("delay", "retries", "retry_backoff"):
            if getattr(self, key) < 0:
                raise ConfigError(f"{where}: 字段 field {key!r}: 不能为负 / must be >= 0, got {getattr(self, key)!r}")
        if self.concurrency_per_domain < 1 or self.paging.max_pages < 1:
            raise ConfigError(f"{where}: 字段 field 'concurrency_per_domain' / 'paging.max_pages': 须 ≥ 1 / must be >= 1")
        if self.paging.style not in ("auto", "none"):
            raise ConfigError(f"{where}: 字段 field 'paging.style': 须为 auto/none / must be auto or none")
        for key in ("item_pattern", "sublists", "title_pattern"):
            try:
                re.compile(getattr(self, key) or "")
            except re.error as exc:
                raise ConfigError(f"{where}: 字段 field {key!r}: 不是正则表达式 / not a regex: {exc}") from exc
        if self.family not in FAMILIES:
            raise ConfigError(f"{where}: 未知门户类型 unknown family {self.family!r}; one of {sorted(FAMILIES)}")
        urls = list(self.start_urls)
        if self.family == "platform":
            if not (self.api.departments and self.api.files and self.api.download):
                raise ConfigError(f"{where}: platform 需要 api.departments/files/download")
            urls += [e.url for e in self._check_api(where).values()]
        elif not urls:
            raise ConfigError(f"{where}: 缺少 start_urls / missing start_urls")
        hosts = set()
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"{where}: 不是 http(s) 网址 / not an http(s) URL: {url}")
            hosts.add(parts.hostname)
        if self.local and not hosts <= LOOPBACK_HOSTS:
            raise ConfigError(f"{where}: local: true 仅限 127.0.0.1 门户 / only for portals on 127.0.0.1")
        if not self.local:
            for host in hosts:
                if host in LOOPBACK_HOSTS or _is_ip_literal(host):
                    raise ConfigError(
                        f"{where}: {host} 是本机或 IP 地址，须设 local: true（仅 127.0.0.1）/ "
                        "loopback or IP-literal host needs local: true"
                    )
        if not self.allowed_domains:
            self.allowed_domains = sorted(h for h in hosts if "{" not in h)
        if self.inline_html not in ("auto", "always", "never"):
            raise ConfigError(f"{where}: inline_html 须为 auto/always/never")
        if self.start_kind not in ("list", "article"):
            raise ConfigError(f"{where}: start_kind 须为 list/article")
        self.extensions = [e.lower().lstrip(".") for e in self.extensions]


    def _check_api(self, where: str) -> dict[str, Endpoint]:
        """Each endpoint a URL template or {url, method: GET|POST, form: {field: template}} using only
        its placeholders; `types` values budget / final_accounts."""
        found: dict[str, Endpoint] = {}
        for name in ("regions", "departments", "files", "download"):
            value = getattr(self.api, name)
            if isinstance(value, list) or not value:
                continue
            key = f"api.{name}"
            if isinstance(value, dict):
                extra = set(value) - {"url", "method", "form"}
                if extra or not isinstance(value.get("url"), str):
                    raise ConfigError(f"{where}: 字段 field {key!r}: 须为网址或 {{url, method, form}} / must be a URL "
                                      f"template or a mapping {{url, method, form}}, got {value!r}")
                if str(value.get("method", "GET")).upper() not in ("GET", "POST"):
                    raise ConfigError(f"{where}: 字段 field {key + '.method'!r}: 须为 GET/POST, got {value['method']!r}")
                if not isinstance(value.get("form") or {}, dict):
                    raise ConfigError(f"{where}: 字段 field {key + '.form'!r}: 须为映射 / must be a mapping")
            ep = endpoint(value)
            if name == "download" and ep.method != "GET":
                raise ConfigError(f"{where}: 字段 field 'api.download': 下载须为 GET / the download must be a GET")
            used = {m for text in (ep.url, *ep.form.values()) for m in re.findall(r"\{(\w*)\}", text)}
            if used - API_PLACEHOLDERS[name] - {"base_url"}:
                raise ConfigError(f"{where}: 字段 field {key!r}: 未知占位符 unknown placeholder(s) "
                                  f"{sorted(used - API_PLACEHOLDERS[name])}; allowed {sorted(API_PLACEHOLDERS[name])}")
            found[name] = ep
        bad = {k: v for k, v in self.api.types.items() if v not in DOC_KINDS}
        if bad:
            raise ConfigError(f"{where}: 字段 field 'api.types': 须为 budget/final_accounts, got {bad!r}")
        return found


_TYPE_WORDS = {"str": "文本 / a string", "int": "整数 / an integer", "float": "数字 / a number",
               "bool": "true/false", "list[str]": "文本列表 / a list of strings",
               "list[int]": "整数列表 / a list of integers"}


def _type_ok(kind: str, value: Any) -> bool:
    if value is None:
        return "None" in kind
    kind = kind.replace(" | None", "")
    if " | " in kind:
        return any(_type_ok(part, value) for part in kind.split(" | "))
    if kind.startswith("dict["):
        return isinstance(value, dict)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind.startswith("list["):
        return isinstance(value, list) and all(_type_ok(kind[5:-1], v) for v in value)
    return True  # nested dataclasses are checked on their own


def _check_types(where: str, prefix: str, data: dict[str, Any], cls: type) -> None:
    """Each YAML value of the type its field declares, so `timeout: "abc"` fails here, naming the
    field, before anything is fetched (not later inside Scrapy)."""
    for f in fields(cls):
        if f.name in data and not _type_ok(str(f.type), data[f.name]):
            kind = str(f.type).replace(" | None", "")
            raise ConfigError(f"{where}: 字段 field {prefix + f.name!r}: 须为 must be {_TYPE_WORDS.get(kind, kind)}, "
                              f"got {data[f.name]!r}")


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _substitute(value: Any, base_url: str | None) -> Any:
    if base_url is None:
        return value
    if isinstance(value, str):
        return value.replace("{base_url}", base_url.rstrip("/"))
    if isinstance(value, list):
        return [_substitute(v, base_url) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, base_url) for k, v in value.items()}
    return value


def load_portals(path: Path, *, base_url: str | None = None) -> list[PortalConfig]:
    """Read portal configuration from a YAML file or every `*.yaml` in a folder."""
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    portals: list[PortalConfig] = []
    for file in files:
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{file}: 无法读取 cannot read: {exc}") from exc
        if isinstance(data, dict) and "portals" in data:
            data = data["portals"]
        items = data if isinstance(data, list) else [data]
        for item in items:
            if not isinstance(item, dict):
                raise ConfigError(f"{file}: 每个门户须为映射 / each portal must be a mapping")
            portals.append(PortalConfig.from_dict(_substitute(item, base_url), source=str(file)))
    names = [p.name for p in portals]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"{path}: 门户名称重复 / duplicate portal names {sorted(dupes)}")
    return portals
