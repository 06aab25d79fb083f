"""Allow `python -m cartel_fto_corpus`."""

from cartel_fto_corpus.cli.main import main

if __name__ == "__main__":
    main()
