"""Reading what a rendered page embeds for the browser SDK."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["bootstrap_data"]


def bootstrap_data(page: str, element_id: str = "statsig-bootstrap") -> dict[str, Any]:
    """The JSON of the page's bootstrap data block (its attributes in either order)."""
    match = re.search(
        rf'<script[^>]*id="{element_id}"[^>]*type="application/json"[^>]*>(.*?)</script>'
        rf'|<script[^>]*type="application/json"[^>]*id="{element_id}"[^>]*>(.*?)</script>',
        page,
        re.S,
    )
    assert match, page
    return json.loads(match.group(1) or match.group(2))  # type: ignore[no-any-return]
