"""Reinforcement learning (notes §11), one module per concept, named like the notes.

Tabular (§11-11.2): ``mdp`` (the MDP, value and policy iteration), ``gridworlds`` (FrozenLake,
CliffWalking and editable grids as MDPs), ``tabular`` (Monte Carlo, SARSA, Q-learning),
``figures`` and ``curves`` (their plots).

Deep (§11.3): ``replay`` (the replay buffer), ``dqn`` (deep Q-learning with a target network,
Double DQN), ``policy_gradient`` (REINFORCE, baselines, reward-to-go, the Gaussian policy),
``actor_critic`` (TD-error advantage, entropy bonus), ``cartpole`` (the environment and its
drawing)."""
