"""Adapters for the optional writing help: the core's Writer port over an OpenAI-compatible API."""

from .openai_writer import OpenAIWriter

__all__ = ["OpenAIWriter"]
