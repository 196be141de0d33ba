"""Fitting the model to observed data, and synthetic data to test the fit."""
