"""APEX JSON -> typed pandas frames: the declared schemas (``schema``), value conversions
(``columns``), the fast chunked builder (``builder``), the not-applicable rules applied on whole
columns (``not_applicable``), the frames themselves (``tables``), typed multi-account snapshots
(``snapshots``), formatting for people (``display``) and the HTML pieces that show frames (``html``).

Imports only ``wire`` from the rest of apex_notebook.
"""
