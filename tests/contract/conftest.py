"""Contract tests read the renderers' fixture news day (tests/unit/render/conftest.py).

Both folders are rootless test directories (no __init__.py), so the module is loaded by
path under its own name instead of being copied.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_SOURCE = Path(__file__).resolve().parents[1] / "unit" / "render" / "conftest.py"
_SPEC = importlib.util.spec_from_file_location("nashra_render_newsday", _SOURCE)
assert _SPEC is not None and _SPEC.loader is not None
newsday = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = newsday
_SPEC.loader.exec_module(newsday)

# Re-exported so that pytest registers them as fixtures here as well.
news_site = newsday.news_site
news_specs = newsday.news_specs
news_articles = newsday.news_articles
feed_spec = newsday.feed_spec
make_site = newsday.make_site
