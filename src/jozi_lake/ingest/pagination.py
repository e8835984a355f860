"""The next page, for each pagination style real APIs use, and when there is none.

=============  ==========================================================================================
``none``       one request
``page``       ``page_param`` counts from ``first_page``; stops on an empty page, a short page
               (``stop_on_short_page``), or when the records read reach a total (``total_header`` /
               ``total_path``)
``offset``     ``offset_param`` advances by the records received; the same stop rules
``cursor``     the next cursor from a header (``cursor_header``), the body (``cursor_path``,
               ``next_cursor``) or the last record (``cursor_field`` with ``has_more_path``: Stripe's
               ``starting_after``), sent as ``cursor_param``
``link``       the RFC 8288 ``Link: <...>; rel="next"`` header (GitHub, Shopify)
``next_url``   a next-page URL in the body (``next_url_path``: Django REST framework's ``next``)
=============  ==========================================================================================

Requests are data (:class:`~jozi_lake.ingest.http.Request`) so an open window can be saved after
every page and resumed from the saved request. Standard library only, besides that type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from jozi_lake.ingest.bodies import ParsedBody, lookup
from jozi_lake.ingest.http import Request, Response
from jozi_lake.sources import PaginationOptions

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


def first_request(url: str, options: PaginationOptions, params: Mapping[str, str]) -> Request:
    """The window's first request: static and incremental parameters plus the page size and start."""
    query = dict(params)
    if options.page_size and options.page_size_param:
        query.setdefault(options.page_size_param, str(options.page_size))
    if options.style == "page":
        query.setdefault(options.page_param, str(options.first_page))
    elif options.style == "offset":
        query.setdefault(options.offset_param, "0")
    return Request(url, query)


def link_targets(header: str) -> dict[str, str]:
    """``{rel: url}`` of an RFC 8288 Link header (each of a space-separated rel list)."""
    targets: dict[str, str] = {}
    for match in _LINK.finditer(header or ""):
        url, params = match.group(1), match.group(2)
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "rel":
                for rel in value.strip().strip('"').split():
                    targets.setdefault(rel.lower(), url)
    return targets


def _total(options: PaginationOptions, response: Response, page: ParsedBody) -> int | None:
    raw: Any = None
    if options.total_header:
        raw = response.headers.get(options.total_header.lower())
    elif options.total_path:
        raw = lookup(page.document, options.total_path)
    try:
        return None if raw is None or isinstance(raw, bool) else int(raw)
    except (TypeError, ValueError):
        return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def next_request(
    options: PaginationOptions, current: Request, response: Response, page: ParsedBody, records_so_far: int
) -> tuple[Request | None, str]:
    """The request for the next page (None after the last one) and what in the response said so.

    ``records_so_far`` counts the window's records including this page (for the total rule).
    """
    count = len(page.records)
    style = options.style
    if style == "none":
        return None, "no pagination"
    if style in ("page", "offset"):
        total = _total(options, response, page)
        if count == 0:
            return None, "an empty page"
        if options.stop_on_short_page and options.page_size and count < options.page_size:
            return None, f"a short page ({count} < {options.page_size})"
        if total is not None and records_so_far >= total:
            return None, f"the total ({total}) reached"
        params = dict(current.params)
        if style == "page":
            number = int(params.get(options.page_param, options.first_page)) + 1
            params[options.page_param] = str(number)
            said = f"page {options.page_param}={number}"
        else:
            offset = int(params.get(options.offset_param, 0)) + count
            params[options.offset_param] = str(offset)
            said = f"offset {options.offset_param}={offset}"
        return Request(current.url, params), said + (f" of total {total}" if total is not None else "")
    if style == "cursor":
        if options.has_more_path and not _truthy(lookup(page.document, options.has_more_path)):
            return None, f"{'.'.join(options.has_more_path)} is false"
        if options.cursor_header:
            cursor = response.headers.get(options.cursor_header.lower())
            origin = f"header {options.cursor_header}"
        elif options.cursor_path:
            cursor = lookup(page.document, options.cursor_path)
            origin = f"body {'.'.join(options.cursor_path)}"
        else:
            last = page.records[-1] if page.records else None
            cursor = last.get(str(options.cursor_field)) if last else None
            origin = f"last record's {options.cursor_field}"
        if cursor in (None, ""):
            return None, f"no cursor in {origin}"
        params = {**current.params, options.cursor_param: str(cursor)}
        return Request(current.url, params), f"cursor from {origin}"
    if style == "link":
        target = link_targets(response.headers.get("link", "")).get(options.link_rel.lower())
        if not target:
            return None, f'no Link rel="{options.link_rel}"'
        return Request(urljoin(response.url, target), _carried(current)), f'Link rel="{options.link_rel}"'
    target = lookup(page.document, options.next_url_path)
    if not target:
        return None, f"no URL at {'.'.join(options.next_url_path)}"
    return Request(urljoin(response.url, str(target)), _carried(current)), (
        f"next URL at {'.'.join(options.next_url_path)}"
    )


def _carried(current: Request) -> dict[str, str]:
    """Parameters sent along with a server-given next URL: only those the URL lacks are added."""
    return dict(current.params)
