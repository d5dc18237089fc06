"""The assistant's handlers, one module per feature; features/table.py maps each action name to its handler."""
