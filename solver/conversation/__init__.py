"""Conversations: protocol trees, rules, garblings shared by providers and strategy classes."""
