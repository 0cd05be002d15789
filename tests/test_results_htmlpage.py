"""Standalone result pages (ge2e.results.htmlpage): cells and titles escaped, one style for every page."""

import re

from ge2e.results.htmlpage import STYLE, html_page, html_table


def test_table_cells_are_escaped_in_order():
    table = html_table(["System", "EER"], [["a & <b>", 0.1], ["c", None]])
    assert re.findall(r"<t[hd]>(.*?)</t[hd]>", table) == ["System", "EER", "a &amp; &lt;b&gt;", "0.1", "c", "None"]
    assert table.startswith("<table>\n<tr><th>") and table.endswith("</tr>\n</table>")


def test_page_carries_the_title_the_style_and_the_body_in_order():
    page = html_page("EER <1>", ["<p>one</p>", "<p>two</p>"])
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</body></html>\n")
    assert "<title>EER &lt;1&gt;</title>" in page and "<h1>EER &lt;1&gt;</h1>" in page
    assert f"<style>{STYLE}</style>" in page and page.index("<p>one</p>") < page.index("<p>two</p>")
