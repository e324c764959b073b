"""The panel's stylesheet: danger marking, compact tables with a sticky header, the hidden live record."""

from __future__ import annotations

from apex_notebook.ui.panel.trace import TRACE_CLASS

__all__ = ["STYLE"]

#: One ``<style>`` element, shown by the panel in an HTML widget (it applies while the panel is live).
STYLE = f"""<style>
.apex-danger select {{ border: 2px solid #b00020 !important; color: #b00020 !important; font-weight: bold; }}
.apex-orders-table {{ font-size: 12px; border-collapse: collapse; }}
.apex-orders-table td, .apex-orders-table th {{ padding: 1px 6px; white-space: nowrap; }}
.apex-scroll thead th {{ position: sticky; top: 0; background: #f4f4f4; }}
.apex-account select option:last-child {{ color: #b00020; font-weight: bold; }}
.apex-counts {{ font-size: 12px; }}
.apex-counts td, .apex-counts th, .apex-orders-table td, .apex-orders-table th {{ padding: 1px 8px !important;
  line-height: 1.35 !important; }}
.{TRACE_CLASS} {{ display: none; }}
</style>"""
