"""Build the test sites whose links and pagers live in scripts (run once; the built sites are committed).

`trs_script/`: a TRS finance-bureau column in the style of ../shared/portals/changsha_…_TRS.html —
  menu links with 预算 in their text, a `createPageHTML(2, 0, "index", "shtml")` pager (page 2 is
  index_1.shtml), attachments written by a script string (`var file_appendix = '<a href="./P0….pdf">…'`)
  and by an onclick handler (`downLoad('/attach/download.do?fileId=88')`, no file type in the URL; its
  second attachment on another host), the
  same PDF posted twice under two titles, and an item on another host.
`hanweb_gbk/`: a Hanweb jpage column (GBK, records as CDATA in a `<datastore>` script, the pager built
  only in JS from `unitid=6431` / `totalRecord:7` / `perPage:3`, pages `?uid=6431&pageNum=N`; a request
  with an empty uid gets page 1 again, as on the real servers).
Attachments map to real tuning-half PDFs in ../shared/corpus/real (`routes.yaml`).
"""

from __future__ import annotations

from pathlib import Path

from build_sites import article_page, corpus, routes_yaml, write

HERE = Path(__file__).resolve().parent
SH = "renwu/001_上海/2026年上海市{}_部门预算.pdf"
HZ = "renwu/008_杭州/2026年杭州市{}部门预算.pdf"
SZ = "renwu/006_苏州/2026年苏州市{}部门预算.pdf"


def trs_list(items: list[tuple[str, str, str]], pager: str) -> str:
    lis = "\n".join(f'<li><span class="date">{d}</span><a href="{h}" title="{t}">{t}</a></li>' for d, h, t in items)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="SiteName" content="西安市财政局"><title>部门预决算公开_西安市财政局</title>
<script type="text/javascript" src="/images/jquery-1.9.1.min.js"></script></head>
<body><script>
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){{
    if(_nPageCount == null || _nPageCount<=1){{ return; }}
    document.write("<a href=\\""+_sPageName+ "."+_sPageExt+"\\">首页</a>&nbsp;");
}}
</script>
<div class="nav"><a href="/yszxqk/">预算执行情况</a> <a href="/ysjsbg/">预决算报告</a> <a href="/zfys/">政府预算</a></div>
<div class="czys_listCount"><ul class="czys_listCount_list">
{lis}
</ul>
<div id="pagediv" class="pagediv"><script>{pager}</script></div></div>
</body></html>
"""


def build_trs_script() -> None:
    site = HERE / "trs_script"
    write(site / "index.html", trs_list([
        ("2026-02-15", "./202602/t20260215_2004.html", "2026年西安市信访局部门预算公开（重新发布）"),
        ("2026-02-14", "./202602/t20260214_2003.html", "西安市信访局2026年部门预算"),
        ("2026-02-13", "./202602/t20260213_2002.html", "西安市民政局2026年部门预算公开"),
        ("2026-02-12", "./202602/t20260212_2001.html", "2026年西安市城市管理局部门综合预算"),
        ("2026-03-01", "http://www.xa.gov.cn/gk/czxx/202603/t20260301_9.html", "西安市2026年市级部门预算汇总"),
    ], 'createPageHTML(2, 0, "index", "shtml");'))
    write(site / "index_1.shtml", trs_list([
        ("2025-02-10", "./202502/t20250210_1001.html", "西安市教育局2025年部门预算"),
    ], 'createPageHTML(2, 1, "index", "shtml");'))
    write(site / "202602/t20260212_2001.html", article_page(
        "2026年西安市城市管理局部门综合预算", "2026-02-12",
        "<p>根据预算法，现将2026年部门综合预算公开如下。</p>"
        "<script>var file_appendix = '<a href=\"./P020260212_1.pdf\">2026年西安市城市管理局部门综合预算.pdf</a>';"
        "document.write(file_appendix);</script>"))
    write(site / "202602/t20260213_2002.html", article_page(
        "西安市民政局2026年部门预算公开", "2026-02-13",
        '<p>附件：<a href="javascript:void(0);" onclick="downLoad(\'/attach/download.do?fileId=88\')">'
        "西安市民政局2026年部门预算</a></p>"
        '<p>附件2：<a href="https://file.xa.gov.cn/mzj/P020260213_2.pdf">西安市民政局2026年部门预算说明.pdf</a></p>'))
    write(site / "202602/t20260214_2003.html", article_page(
        "西安市信访局2026年部门预算", "2026-02-14",
        '<p>附件：<a href="./P020260214_1.pdf">西安市信访局2026年部门预算.pdf</a></p>'))
    write(site / "202602/t20260215_2004.html", article_page(
        "2026年西安市信访局部门预算公开（重新发布）", "2026-02-15",
        '<p>附件：<a href="./P020260215_1.pdf">信访局部门预算.pdf</a></p>'))
    write(site / "202502/t20250210_1001.html", article_page(
        "西安市教育局2025年部门预算", "2025-02-10",
        '<p>附件：<a href="./P020250210_1.zip">西安市教育局2025年部门预算.zip</a></p>'))
    routes_yaml(site, {
        "/202602/P020260212_1.pdf": corpus(SH.format("交通运输局")),
        "/attach/download.do?fileId=88": corpus(SH.format("公安局")),
        "/202602/P020260214_1.pdf": corpus(SH.format("信访局")),
        "/202602/P020260215_1.pdf": corpus(SH.format("信访局")),
        # /202502/P020250210_1.zip is made by the test (two members of two departments)
    })


HANWEB_RECORDS = [  # (date, art id, department, corpus file)
    ("2026-02-10", 7001, "杭州市交通运输局", HZ.format("交通运输局")),
    ("2026-02-10", 7002, "杭州市公安局", HZ.format("公安局")),
    ("2026-02-11", 7003, "杭州市司法局", HZ.format("司法局")),
    ("2026-02-11", 7004, "杭州市气象局", HZ.format("气象局")),
    ("2026-02-12", 7005, "杭州市政府办公厅", HZ.format("政府办公厅")),
    ("2026-02-12", 7006, "杭州市审计局", SZ.format("审计局")),
    ("2026-02-13", 7007, "杭州市水务局", SZ.format("水务局")),
]


def hanweb_column(records: list[tuple[str, int, str, str]]) -> str:
    recs = "\n".join(
        f'<record><![CDATA[\n<li><a href="/art/2026/2/{int(d[-2:])}/art_3381_{i}.html" target="_blank" '
        f'title="{dept}2026年部门预算">{dept}2026年部门预算</a><span class="bt-data-time">{d}</span></li>\n]]></record>'
        for d, i, dept, _f in records)
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>部门预算_杭州市人民政府</title>
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script></head>
<body><div class="main"><div class="bt-position">当前位置：首页 &gt; 政务公开 &gt; 部门预算</div>
<div id="6431"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1&webid=3185&path=/&columnid=3381&unitid=6431&permissiontype=0"></a>]]></nextgroup>
<recordset>
{recs}
</recordset></datastore></script></div>
<script type="text/javascript" src="/module/jpage/jpage.js"></script>
<script type="text/javascript">$(document).ready(function(){{ $('#6431').jpage({{dataStore: 'div', proxyUrl: '/module/jpage/dataproxy.jsp', perPage: 3, totalRecord: 7, pageNumUrl: 'pageNum'}}); }});</script>
</div></body></html>
"""


def build_hanweb_gbk() -> None:
    site = HERE / "hanweb_gbk"
    pages = [HANWEB_RECORDS[0:3], HANWEB_RECORDS[3:6], HANWEB_RECORDS[6:]]
    write(site / "col/col3381/index.html", hanweb_column(pages[0]), "gb18030")
    routes: dict[str, object] = {"/col/col3381/index.html": {"file": "col/col3381/index.html", "validators": False}}
    for k, recs in enumerate(pages[1:], start=2):
        write(site / f"col/col3381/page{k}.html", hanweb_column(recs), "gb18030")
        routes[f"/col/col3381/index.html?uid=6431&pageNum={k}"] = {"file": f"col/col3381/page{k}.html",
                                                                    "validators": False}
    for d, i, dept, pdf in HANWEB_RECORDS:
        name = f"26021{i % 10}{i}.pdf"
        write(site / f"art/2026/2/{int(d[-2:])}/art_3381_{i}.html", article_page(
            f"{dept}2026年部门预算", d,
            f'<p>附件：<a href="/module/download/downfile.jsp?classid=0&amp;filename={name}">{dept}2026年部门预算.pdf</a></p>'))
        routes[f"/module/download/downfile.jsp?classid=0&filename={name}"] = corpus(pdf)
    routes_yaml(site, routes)


if __name__ == "__main__":
    build_trs_script()
    build_hanweb_gbk()
