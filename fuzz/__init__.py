"""Fuzz targets for vpnteach (atheris): see fuzz/REPORT.md for how to run them."""
