"""The shared kit: generic pieces every app may use (spreadsheets in and out, money and date
formatting, back-office view mixins). It has no models and imports none of the project's apps;
import-linter holds it to that (pyproject.toml)."""
