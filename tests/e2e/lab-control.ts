/**
 * Changes the running lab from a test: `fix` makes a scenario healthy, `unfix`
 * undoes that. Tests run side by side, so each touches only its own scenario.
 */
export async function labControl(action: 'fix' | 'unfix', name: string): Promise<void> {
  const response = await fetch(`${process.env.LAB_CONTROL_URL}/${action}/${name}`, { method: 'POST' });
  if (!response.ok) throw new Error(`lab ${action} ${name}: ${await response.text()}`);
}
