"""rca.fixes"""
