"""Test doubles and test servers for agora users' own tests (not imported by `agora`).

Example:
    >>> from agora.testing import ScriptedModel
    >>> ScriptedModel(["hi"]).name
    'scripted'
"""

from agora.models.scripted import FunctionModel, ScriptedModel, Step

__all__ = ["FunctionModel", "ScriptedModel", "Step"]
