"""Built-in and example Python actions that plans can name by module and qualname."""
