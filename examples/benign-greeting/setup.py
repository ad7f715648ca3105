from setuptools import setup, find_packages

setup(
    name="greeting",
    version="1.0.0",
    description="Say hello politely",
    packages=find_packages(),
    python_requires=">=3.8",
)
