"""APEX JSON -> typed pandas frames: the declared schemas (``schema``), value conversions
(``columns``), the fast chunked builder (``builder``), the frames themselves (``tables``), typed
multi-account snapshots (``snapshots``) and the HTML pieces that show frames (``html``).

Imports only ``wire`` from the rest of apex_notebook.
"""
