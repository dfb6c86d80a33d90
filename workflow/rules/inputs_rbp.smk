# Input functions of the RBP multi-label branch (workflow/rules/rbp.smk).


def get_rbp_task_inputs(wildcards):
    """Local paths of a task's sources, named by role (positives as `positive__<label>`)."""
    return cfg.rbp_task_inputs(config, wildcards.task)


def get_rbp_task_spec(wildcards):
    return config["rbp"]["tasks"][wildcards.task]


def get_rbp_model_views(wildcards):
    """Deep-feature files of the views an MMFA variant reads (named by view, in order)."""
    views = config["rbp"]["models"][wildcards.model]["views"]
    return {view: f"results/rbp/{wildcards.task}/features/{view}.npz" for view in views}


def get_rbp_model_params(wildcards):
    return cfg.rbp_model_params(config, wildcards.model)


def get_rbp_metric_files():
    return [
        f"results/rbp/{task}/metrics/{model}.json"
        for task in cfg.rbp_tasks(config)
        for model in cfg.rbp_model_names(config)
    ]
