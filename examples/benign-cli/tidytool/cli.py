"""Command line entry point: list untracked files with git."""
import argparse
import subprocess


def untracked(repo):
    out = subprocess.run(["git", "-C", repo, "status", "--porcelain"],
                         capture_output=True, text=True, check=True)
    return [line[3:] for line in out.stdout.splitlines() if line.startswith("??")]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repo", nargs="?", default=".")
    args = parser.parse_args()
    for path in untracked(args.repo):
        print(path)
