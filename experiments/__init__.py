"""Experiments: each module's ``main()`` computes and writes ``results/<name>/``."""
