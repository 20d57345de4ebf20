"""The evaluation suite behind `rag eval`: sets (loaders taking a path), metrics, the runner and the report.

- `evals.suite.sets`: the question sets and the corpora they are asked against;
- `evals.suite.metrics`: every metric, defined exactly (the README explains each in a line);
- `evals.suite.faithfulness`: the faithfulness scorers, independent of the answer path's judge;
- `evals.suite.runner`: runs a set through the pipeline (in process or over HTTP), caching each result;
- `evals.suite.report`: the summary table, the JSON file and the self-contained HTML report.
"""
