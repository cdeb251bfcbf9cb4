"""Tradecounter's benchmark: a data generator, a load runner and their results (see README.md)."""
