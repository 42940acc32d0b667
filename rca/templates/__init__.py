"""rca.templates"""
