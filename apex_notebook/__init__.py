"""apex_notebook."""
