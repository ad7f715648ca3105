from setuptools import setup

setup(
    name="tidytool",
    version="0.3.1",
    packages=["tidytool"],
    entry_points={"console_scripts": ["tidy = tidytool.cli:main"]},
)
