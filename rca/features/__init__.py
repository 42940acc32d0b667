"""rca.features"""
