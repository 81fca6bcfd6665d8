"""HTML views of goals: the pair's pages (goals.py) and the coordinators' goal templates and
settings (coordinator.py)."""
