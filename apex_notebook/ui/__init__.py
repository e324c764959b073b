"""What a person sees: the confirm-and-execute panel (``panel``, ipywidgets) and the plots
(``plots``, matplotlib; ``plot_data`` shapes their data).

The only layer that imports ipywidgets or matplotlib; nothing below imports it.
"""
