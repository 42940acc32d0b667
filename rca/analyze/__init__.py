"""rca.analyze"""
