"""The `cartel-fto` command line: thin click commands over the layers below, one module per command
group. The top layer: nothing in the package imports it.
"""
