"""rca.rank"""
