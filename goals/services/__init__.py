"""Writes of the goals app: a pair's goals, milestones, progress updates and feedback
(goals.py), the coordinators' goal templates and goal settings (templates.py), and the
overdue-goal flag sweep (flags.py)."""
