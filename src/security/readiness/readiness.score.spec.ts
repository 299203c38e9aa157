import { scoreItems } from './readiness.service';
import { item, type ReadinessItem, type ReadinessWeight } from './readiness.types';

const many = (count: number, weight: ReadinessWeight, status: ReadinessItem['status']): ReadinessItem[] =>
  Array.from({ length: count }, (_, i) => item(`w${weight}-${i}`, 'title', weight, status, 'detail', 'advice'));

describe('scoreItems', () => {
  it('weights items and gives a warn half credit', () => {
    expect(scoreItems([...many(1, 3, 'pass'), ...many(1, 1, 'fail')])).toMatchObject({ score: 75, grade: 'C', passed: 1, failed: 1 });
    expect(scoreItems([...many(1, 2, 'warn'), ...many(1, 2, 'pass')])).toMatchObject({ score: 75, warned: 1 });
    expect(scoreItems([])).toMatchObject({ score: 0, grade: 'F' });
  });

  it('lets this version, fully hardened, reach 98% with the two not-built features as warnings', () => {
    const items = [...many(9, 3, 'pass'), ...many(6, 2, 'pass'), ...many(2, 1, 'pass'), ...many(2, 1, 'warn')];
    expect(scoreItems(items)).toEqual({ score: 98, grade: 'A', passed: 17, warned: 2, failed: 0 });
  });

  it('caps the score under the default minimum of 80 while a weight-3 item fails', () => {
    const oneCritical = [...many(8, 3, 'pass'), ...many(1, 3, 'fail'), ...many(6, 2, 'pass'), ...many(4, 1, 'pass')];
    expect(scoreItems(oneCritical).score).toBe(79);
    const lesser = [...many(9, 3, 'pass'), ...many(3, 2, 'fail'), ...many(3, 2, 'pass'), ...many(4, 1, 'pass')];
    expect(scoreItems(lesser).score).toBe(86);
    expect(scoreItems([...many(1, 3, 'fail'), ...many(9, 1, 'pass')]).score).toBe(75);
  });
});
