/** Changes the running lab from a test: `fix` makes a scenario healthy, `reset` undoes every fix. */
export async function labControl(action: 'fix' | 'reset', name = ''): Promise<void> {
  const response = await fetch(`${process.env.LAB_CONTROL_URL}/${action}/${name}`, { method: 'POST' });
  if (!response.ok) throw new Error(`lab ${action} ${name}: ${await response.text()}`);
}
