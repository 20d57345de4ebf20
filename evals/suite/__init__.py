"""The evaluation suite behind `rag eval`: dataset loaders, sets, metrics, the runner and the report.

- `evals.suite.datasets`: loaders of the seed questions and the public datasets (read in place);
- `evals.suite.sets`: the question sets and the corpora they are asked against;
- `evals.suite.metrics`: every metric, defined exactly (`docs/evaluation.md` explains each in a line);
- `evals.suite.faithfulness`: the faithfulness scorers, independent of the answer path's judge;
- `evals.suite.config`: a run's options (`RunConfig`) and the error that stops it;
- `evals.suite.askers`: who answers: the pipeline in process, or a running service over HTTP;
- `evals.suite.cache`: the per-question result cache that lets an interrupted run resume;
- `evals.suite.scoring`: one answer's row and a set's summary;
- `evals.suite.runner`: runs the sets (`run`), and the judge sets;
- `evals.suite.report`: the summary table, the JSON file and the self-contained HTML report.
"""
